/* test_registry.c — the managed-rule registry and InputParameters validation.
 *
 * Checks that every identifier of ../shared/reference/managed-rules.tsv is known (read at test
 * time), that ranks 1-60 and REQUIRED_TAGS are implemented, that unimplemented rules refuse to
 * evaluate, and a table of good and bad InputParameters with the error AWS would give.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "rules/managed/managed.h"
#include "t.h"

#define TSV PL_SHARED_DIR "/reference/managed-rules.tsv"

static void test_catalogue(void)
{
    size_t len, known = 0, lines = 0;
    char *text = pl_read_file(TSV, 1 << 22, &len);
    T_REQUIRE(text);
    for (char *line = text, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        if ((nl = strchr(line, '\n')))
            *nl = 0;
        if (!*line || lines++ == 0)
            continue; /* blank, or the header */
        char *rank = line, *id = strchr(line, '\t');
        T_REQUIRE(id);
        *id++ = 0;
        *strchr(id, '\t') = 0;
        const struct pl_managed_rule *r = pl_managed_find(id);
        if (!r) {
            T_FAIL_("%s is not known", id);
            continue;
        }
        known++;
        if (strtol(rank, NULL, 10) <= 60 || strcmp(id, "REQUIRED_TAGS") == 0)
            if (!pl_managed_implemented(r))
                T_FAIL_("%s (rank %s) is not implemented", id, rank);
    }
    free(text);
    size_t n;
    pl_managed_all(&n);
    T_EQ(known, n);
    T_EQ(known, lines - 1);
    T_OK(pl_managed_find("NO_SUCH_RULE") == NULL);
    T_OK(pl_managed_find(NULL) == NULL);
}

static void test_shapes(void)
{
    const struct pl_managed_rule *r = pl_managed_find("AWS_CONFIG_PROCESS_CHECK");
    T_REQUIRE(r);
    T_EQ(r->trigger, PL_MANAGED_MANUAL);
    T_OK(pl_managed_implemented(r)); /* served: its results come from PutExternalEvaluation */

    r = pl_managed_find("IAM_PASSWORD_POLICY");
    T_REQUIRE(r);
    T_OK(r->account_level);
    T_EQ(r->trigger, PL_MANAGED_PERIODIC);
    T_STR(r->types[0], "AWS::::Account");

    r = pl_managed_find("API_GW_EXECUTION_LOGGING_ENABLED");
    T_REQUIRE(r);
    T_EQ(r->ntypes, 2);
    T_STR(r->types[1], "AWS::ApiGatewayV2::Stage");
    T_OK(r->types[2] == NULL);
    T_EQ(r->trigger, PL_MANAGED_CHANGE);

    /* the tsv does not know these triggers; the implementation gives AWS's */
    r = pl_managed_find("NEPTUNE_CLUSTER_ENCRYPTED");
    T_REQUIRE(r && pl_managed_implemented(r));
    T_EQ(r->trigger, PL_MANAGED_CHANGE);
    T_STR(r->types[0], "AWS::RDS::DBCluster");
    r = pl_managed_find("EMR_BLOCK_PUBLIC_ACCESS");
    T_REQUIRE(r && r->account_level);
    T_EQ(r->trigger, PL_MANAGED_PERIODIC);
    r = pl_managed_find("GUARDDUTY_RDS_PROTECTION_ENABLED");
    T_REQUIRE(r);
    T_EQ(r->ntypes, 1);
    T_STR(r->types[0], "AWS::GuardDuty::Detector");

    /* every identifier of the tsv is implemented; the process check accepts any parameters
     * (it has none of its own) and refuses to evaluate: PutExternalEvaluation gives results */
    size_t n, nimpl = 0;
    const struct pl_managed_rule *all = pl_managed_all(&n);
    for (size_t i = 0; i < n; i++)
        nimpl += pl_managed_implemented(&all[i]);
    T_EQ(nimpl, n);
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_managed_params *p;
    struct pl_managed_eval ev;
    pl_arena_init(&a);
    r = pl_managed_find("AWS_CONFIG_PROCESS_CHECK");
    T_EQ(pl_managed_params(r, "{\"drill\":\"quarterly\"}", &a, &p, &err), 0);
    const char *text = "{\"resourceType\":\"AWS::::Account\",\"resourceId\":\"1\"}";
    const struct pl_json *ci = pl_json_parse(&a, text, strlen(text), &err);
    T_REQUIRE(ci);
    T_EQ(pl_managed_evaluate(p, ci, NULL, NULL, &ev, &err), -1);
    T_OK(strstr(err.msg, "PutExternalEvaluation") != NULL);
    T_EQ(pl_managed_evaluate_all(p, NULL, NULL, NULL, NULL, &err), -1);

    /* a controlPolicy that is no bucket policy is accepted, and reported when the rule runs */
    r = pl_managed_find("S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE");
    err = (struct pl_err){0};
    T_EQ(pl_managed_params(r, "{\"controlPolicy\":\"1024\"}", &a, &p, &err), 0);
    text = "{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b\",\"configuration\":{}}";
    ci = pl_json_parse(&a, text, strlen(text), &err);
    T_REQUIRE(ci);
    T_EQ(pl_managed_evaluate(p, ci, NULL, NULL, &ev, &err), -1);
    T_EQ(err.code, PL_E_INVALID_PARAMETER_VALUE);
    T_OK(strstr(err.msg, "must be an Amazon S3 bucket policy") != NULL);

    /* the rules whose trigger and scope the tsv does not know */
    r = pl_managed_find("EC2_CLIENT_VPN_NOT_AUTHORIZE_ALL");
    T_REQUIRE(r && !r->account_level);
    T_EQ(r->trigger, PL_MANAGED_PERIODIC);
    T_STR(r->types[0], "AWS::EC2::ClientVpnEndpoint");
    r = pl_managed_find("IAM_EXTERNAL_ACCESS_ANALYZER_ENABLED");
    T_REQUIRE(r && r->account_level);
    T_EQ(r->trigger, PL_MANAGED_PERIODIC);
    r = pl_managed_find("EC2_INSTANCE_LAUNCHED_WITH_ALLOWED_AMI");
    T_REQUIRE(r);
    T_EQ(r->trigger, PL_MANAGED_BOTH);
    T_STR(r->types[0], "AWS::EC2::Instance");
    pl_arena_fini(&a);
}

static const struct {
    const char *rule, *params;
    int ok;
    const char *msg; /* substring of the error */
} param_cases[] = {
    {"ACCESS_KEYS_ROTATED", NULL, 1, NULL},
    {"ACCESS_KEYS_ROTATED", "", 1, NULL},
    {"ACCESS_KEYS_ROTATED", "{}", 1, NULL},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":\"90\"}", 1, NULL},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":90}", 1, NULL},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":\"ninety\"}", 0, "maxAccessKeyAge"},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":\"0\"}", 0, "between 1 and"},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":\"\"}", 1, NULL},
    {"ACCESS_KEYS_ROTATED", "{\"maxKeyAge\":\"90\"}", 0, "Unknown parameters"},
    {"ACCESS_KEYS_ROTATED", "[1]", 0, "Invalid JSON"},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":", 0, "Invalid JSON"},
    {"ACCESS_KEYS_ROTATED", "{\"maxAccessKeyAge\":[\"90\"]}", 0, "expected a string"},
    {"IAM_PASSWORD_POLICY", "{\"RequireSymbols\":\"TRUE\",\"MinimumPasswordLength\":\"8\"}", 1,
     NULL},
    {"IAM_PASSWORD_POLICY", "{\"RequireSymbols\":\"yes\"}", 1, NULL}, /* AWS: not "true" */
    {"S3_BUCKET_VERSIONING_ENABLED", "{\"isMfaDeleteEnabled\":\"yes\"}", 0, "true or false"},
    {"IAM_PASSWORD_POLICY", "{\"PasswordReusePrevention\":\"25\"}", 0, "between 1 and 24"},
    {"IAM_PASSWORD_POLICY", "{\"MinimumPasswordLength\":\"5\"}", 0, "MinimumPasswordLength"},
    {"REQUIRED_TAGS", "{\"tag1Key\":\"Owner\",\"tag1Value\":\"a, b\"}", 1, NULL},
    {"REQUIRED_TAGS", "{}", 0, "required parameter tag1Key"},
    {"REQUIRED_TAGS", "{\"tag1Key\":\"\"}", 0, "required parameter tag1Key"},
    {"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "{\"authorizedTcpPorts\":\"443, 1020-1025\"}", 1,
     NULL},
    {"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "{\"authorizedTcpPorts\":\"443,x\"}", 0,
     "ports or port ranges"},
    {"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "{\"authorizedUdpPorts\":\"70000\"}", 0,
     "authorizedUdpPorts"},
    {"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "{\"authorizedTcpPorts\":\"30-20\"}", 0,
     "ports or port ranges"},
    {"API_GW_EXECUTION_LOGGING_ENABLED", "{\"loggingLevel\":\"ERROR\"}", 1, NULL},
    {"API_GW_EXECUTION_LOGGING_ENABLED", "{\"loggingLevel\":\"ERROR,DEBUG\"}", 0,
     "'DEBUG' is not one of ERROR|INFO"},
    {"S3_BUCKET_REPLICATION_ENABLED", "{\"ReplicationType\":\"SAME-REGION\"}", 1, NULL},
    {"S3_BUCKET_REPLICATION_ENABLED", "{\"ReplicationType\":\"ANY\"}", 0, "ReplicationType"},
    {"VPC_FLOW_LOGS_ENABLED", "{\"trafficType\":\"ALL\"}", 1, NULL},
    {"VPC_FLOW_LOGS_ENABLED", "{\"trafficType\":\"every\"}", 0, "ACCEPT|REJECT|ALL"},
    {"VPC_FLOW_LOGS_ENABLED", "{\"trafficType\":\"all\"}", 1, NULL}, /* any case, as AWS's packs */
    {"S3_BUCKET_VERSIONING_ENABLED", "{\"isMfaDeleteEnabled\":true}", 1, NULL},
    {"RESTRICTED_INCOMING_TRAFFIC", "{\"blockedPort1\":\"65536\"}", 0, "blockedPort1"},
    {"INCOMING_SSH_DISABLED", "{\"port\":\"22\"}", 0, "INCOMING_SSH_DISABLED: port"},
    /* ranks 61 and up (r_svc.c) */
    {"ACM_CERTIFICATE_EXPIRATION_CHECK", "{\"daysToExpiration\":\"30\"}", 1, NULL},
    {"ACM_CERTIFICATE_EXPIRATION_CHECK", "{\"daysToExpiration\":\"soon\"}", 0, "daysToExpiration"},
    {"ACM_CERTIFICATE_EXPIRATION_CHECK", "{\"daysToExpiration\":\"0\"}", 0, "daysToExpiration"},
    {"CW_LOGGROUP_RETENTION_PERIOD_CHECK", "{\"MinRetentionTime\":\"400\"}", 1, NULL},
    {"CW_LOGGROUP_RETENTION_PERIOD_CHECK", "{\"MinRetentionTime\":\"4000\"}", 0,
     "MinRetentionTime"},
    {"CW_LOGGROUP_RETENTION_PERIOD_CHECK", "{\"MinRetentionTime\":\"1095\"}", 1,
     NULL}, /* BNM-RMiT */
    {"RDS_ENHANCED_MONITORING_ENABLED", "{\"monitoringInterval\":\"45\"}", 0, "monitoringInterval"},
    {"ELASTICSEARCH_LOGS_TO_CLOUDWATCH", "{\"logTypes\":\"error,audit\"}", 0, "logTypes"},
    {"OPENSEARCH_LOGS_TO_CLOUDWATCH", "{\"logTypes\":\"search, index\"}", 1, NULL},
    {"CLOUDWATCH_ALARM_ACTION_CHECK", "{\"okActionRequired\":\"maybe\"}", 0, "okActionRequired"},
    {"CLOUDWATCH_ALARM_ACTION_CHECK", "{\"action6\":\"arn:x\"}", 0, "Unknown parameters"},
    {"REDSHIFT_CLUSTER_MAINTENANCESETTINGS_CHECK", "{\"automatedSnapshotRetentionPeriod\":\"36\"}",
     0, "automatedSnapshotRetentionPeriod"},
    {"EC2_VOLUME_INUSE_CHECK", "{\"deleteOnTermination\":\"yes\"}", 0, "deleteOnTermination"},
    {"SECRETSMANAGER_ROTATION_ENABLED_CHECK", "{\"maximumAllowedRotationFrequency\":\"x\"}", 0,
     "maximumAllowedRotationFrequency"},
    {"SNS_ENCRYPTED_KMS", "{\"kmsKeyArns\":\"k\"}", 0, "Unknown parameters"},
    {"IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS", "{}", 0,
     "required parameter blockedActionsPatterns"},
    {"IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS",
     "{\"blockedActionsPatterns\":\"kms:*\",\"excludeRoleByManagementAccount\":\"no\"}", 0,
     "excludeRoleByManagementAccount"},
    {"S3_BUCKET_DEFAULT_LOCK_ENABLED", "{\"mode\":\"legal\"}", 0, "GOVERNANCE|COMPLIANCE"},
    {"S3_BUCKET_DEFAULT_LOCK_ENABLED", "{\"mode\":\"Governance\"}", 1, NULL},           /* FFIEC */
    {"ALB_DESYNC_MODE_CHECK", "{\"desyncMode\":\"defensive', 'strictest'\"}", 1, NULL}, /* PCI */
    {"EC2_STOPPED_INSTANCE", "{\"AllowedDays\":\"0\"}", 0, "AllowedDays"},
    {"LAMBDA_CONCURRENCY_CHECK", "{\"ConcurrencyLimitLow\":\"-1\"}", 0, "ConcurrencyLimitLow"},
    {"LAMBDA_CONCURRENCY_CHECK", "{\"ConcurrencyLimitHigh\":\"many\"}", 0, "ConcurrencyLimitHigh"},
    {"DYNAMODB_IN_BACKUP_PLAN", "{\"x\":\"1\"}", 0, "Unknown parameters"},
    {"S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS", "{\"BlockPublicAcls\":\"TRUE\"}", 1, NULL},
    {"S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS", "{\"BlockPublicAcls\":\"on\"}", 0, "BlockPublicAcls"},
    {"ELASTIC_BEANSTALK_MANAGED_UPDATES_ENABLED", "{\"UpdateLevel\":\"major\"}", 0, "minor|patch"},
    {"EMR_KERBEROS_ENABLED", "{\"TicketLifetimeInHours\":\"one day\"}", 0, "TicketLifetimeInHours"},
    {"ELBV2_ACM_CERTIFICATE_REQUIRED", "{\"AcmCertificates\":\"arn:x\"}", 0, "Unknown parameters"},
    /* helper mr9 */
    {"COGNITO_USER_POOL_PASSWORD_POLICY_CHECK", "{\"minLength\":\"5\"}", 0, "minLength"},
    {"COGNITO_USER_POOL_PASSWORD_POLICY_CHECK", "{\"requireSymbols\":\"maybe\"}", 0,
     "requireSymbols"},
    {"COGNITO_USER_POOL_PASSWORD_POLICY_CHECK", "{\"temporaryPasswordValidityDays\":\"366\"}", 0,
     "temporaryPasswordValidityDays"},
    {"COGNITO_USER_POOL_PASSWORD_POLICY_CHECK",
     "{\"minLength\":\"12\",\"requireSymbols\":\"FALSE\"}", 1, NULL},
    {"COGNITO_USER_POOL_ADVANCED_SECURITY_ENABLED", "{\"SecurityMode\":\"OFF\"}", 0,
     "ENFORCED|AUDIT"},
    {"GLUE_SPARK_JOB_SUPPORTED_VERSION", "{\"minimumSupportedGlueVersion\":\"three\"}", 0,
     "minimumSupportedGlueVersion"},
    {"GLUE_SPARK_JOB_SUPPORTED_VERSION", "{\"minimumSupportedGlueVersion\":\"4.0\"}", 1, NULL},
    {"CODEPIPELINE_DEPLOYMENT_COUNT_CHECK", "{\"deploymentLimit\":\"0\"}", 0, "deploymentLimit"},
    {"CODEPIPELINE_REGION_FANOUT_CHECK", "{\"regionFanoutFactor\":\"x\"}", 0, "regionFanoutFactor"},
    {"CLOUDFRONT_SECURITY_POLICY_CHECK", "{\"minimumProtocolVersion\":\"TLSv1.2\"}", 0,
     "Unknown parameters"},
    {"DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED", "{\"recoveryPointAgeUnit\":\"weeks\"}", 0,
     "hours|days"},
    {"EBS_LAST_BACKUP_RECOVERY_POINT_CREATED", "{\"recoveryPointAgeValue\":\"0\"}", 0,
     "recoveryPointAgeValue"},
    {"EBS_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT", "{\"recoveryPointAgeValue\":\"2185\"}", 0,
     "recoveryPointAgeValue"},
    {"RDS_LAST_BACKUP_RECOVERY_POINT_CREATED", "{\"resourceTags\":\"backup\"}", 0, "resourceTags"},
    {"EFS_LAST_BACKUP_RECOVERY_POINT_CREATED",
     "{\"recoveryPointAgeUnit\":\"hours\",\"recoveryPointAgeValue\":\"12\"}", 1, NULL},
    {"VIRTUALMACHINE_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"backupVaultLockCheck\":\"yes\"}", 0,
     "backupVaultLockCheck"},
    {"S3_BUCKET_CROSS_REGION_REPLICATION_ENABLED", "{\"ReplicationType\":\"CROSS-REGION\"}", 0,
     "Unknown parameters"},
    {"CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED", "{}", 1, NULL},
    /* helper mr6 */
    {"RDS_INSTANCE_DEFAULT_ADMIN_CHECK", "{\"validAdminUserNames\":\"dbo,admin\"}", 0,
     "validAdminUserNames: 'admin' may not be one of postgres|admin"},
    {"REDSHIFT_DEFAULT_ADMIN_CHECK", "{\"validAdminUserNames\":\"awsuser\"}", 0,
     "validAdminUserNames"},
    {"REDSHIFT_DEFAULT_ADMIN_CHECK", "{\"validAdminUserNames\":\"admin\"}", 1, NULL},
    {"EC2_TOKEN_HOP_LIMIT_CHECK", "{\"tokenHopLimit\":\"65\"}", 0, "tokenHopLimit"},
    {"EC2_TOKEN_HOP_LIMIT_CHECK", "{\"tokenHopLimit\":\"0\"}", 0, "between 1 and 64"},
    {"BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", "{\"requiredFrequencyUnit\":\"weeks\"}",
     0, "requiredFrequencyUnit"},
    {"BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", "{\"requiredFrequencyValue\":\"32\"}", 0,
     "requiredFrequencyValue"},
    {"BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", "{\"requiredRetentionDays\":\"x\"}", 0,
     "requiredRetentionDays"},
    {"S3_LIFECYCLE_POLICY_CHECK", "{\"targetTransitionDays\":\"thirty\"}", 0,
     "targetTransitionDays"},
    {"S3_LIFECYCLE_POLICY_CHECK", "{\"targetExpirationDays\":\"395\",\"bucketNames\":\"a,b\"}", 1,
     NULL},
    {"S3_EVENT_NOTIFICATIONS_ENABLED", "{\"destinationArns\":\"arn:x\"}", 0, "Unknown parameters"},
    {"ECS_FARGATE_LATEST_PLATFORM_VERSION", "{\"latestVersion\":\"1.4.0\"}", 0,
     "Unknown parameters"},
    {"CODEBUILD_PROJECT_S3_LOGS_ENCRYPTED", "{\"exemptedProjects\":\"a, b\"}", 1, NULL},
    {"BEANSTALK_ENHANCED_HEALTH_REPORTING_ENABLED", "{\"x\":\"1\"}", 0, "Unknown parameters"},
    {"S3_BUCKET_POLICY_GRANTEE_CHECK", "{\"awsPrincipal\":\"1\"}", 0, "Unknown parameters"},
    {"ALB_DESYNC_MODE_CHECK", "{}", 0, "required parameter desyncMode"},
    {"ALB_DESYNC_MODE_CHECK", "{\"desyncMode\":\"defensive,lenient\"}", 0,
     "'lenient' is not one of"},
    {"API_GW_ENDPOINT_TYPE_CHECK", "{\"endpointConfigurationTypes\":\"global\"}", 0,
     "endpointConfigurationTypes"},
    {"ECS_NO_ENVIRONMENT_SECRETS", "{}", 0, "required parameter secretKeys"},
    {"AUTOSCALING_MULTIPLE_AZ", "{\"minAvailabilityZones\":\"0\"}", 0, "minAvailabilityZones"},
    {"CLOUDWATCH_ALARM_SETTINGS_CHECK", "{}", 0, "required parameter metricName"},
    {"CLOUDWATCH_ALARM_SETTINGS_CHECK", "{\"metricName\":\"m\",\"statistic\":\"p99\"}", 0,
     "statistic"},
    {"CLOUDWATCH_ALARM_SETTINGS_CHECK", "{\"metricName\":\"m\",\"period\":\"0\"}", 0, "period"},
    {"LAMBDA_FUNCTION_SETTINGS_CHECK", "{\"runtime\":\"python3.12\",\"memorySize\":\"64\"}", 0,
     "memorySize"},
    {"LAMBDA_FUNCTION_SETTINGS_CHECK", "{\"timeout\":\"3\"}", 0, "required parameter runtime"},
    {"EKS_CLUSTER_OLDEST_SUPPORTED_VERSION", "{}", 0, "required parameter oldestVersionSupported"},
    {"S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED", "{}", 0,
     "required parameter blacklistedActionPattern"},
    {"LAMBDA_VPC_MULTI_AZ_CHECK", "{\"availabilityZones\":\"two\"}", 0, "availabilityZones"},
    {"CLOUDWATCH_ALARM_RESOURCE_CHECK", "{\"resourceType\":\"AWS::EC2::Instance\"}", 0,
     "required parameter metricName"},
    {"CLOUDWATCH_ALARM_RESOURCE_CHECK",
     "{\"resourceType\":\"AWS::Lambda::Function\",\"metricName\":\"Errors\"}", 0, "resourceType"},
    /* issue 13, third batch */
    {"NETFW_POLICY_DEFAULT_ACTION_FRAGMENT_PACKETS", "{}", 0,
     "required parameter statelessFragmentDefaultActions"},
    {"NETFW_POLICY_DEFAULT_ACTION_FRAGMENT_PACKETS",
     "{\"statelessFragmentDefaultActions\":\"aws:drop,aws:reject\"}", 0,
     "'aws:reject' is not one of"},
    {"NETFW_POLICY_DEFAULT_ACTION_FULL_PACKETS", "{\"statelessDefaultActions\":\"aws:pass\"}", 1,
     NULL},
    {"NETFW_POLICY_DEFAULT_ACTION_FULL_PACKETS", "{}", 0,
     "required parameter statelessDefaultActions"},
    {"NETFW_MULTI_AZ_ENABLED", "{\"availabilityZones\":\"many\"}", 0, "availabilityZones"},
    {"CLB_MULTIPLE_AZ", "{\"minAvailabilityZones\":\"1\"}", 0, "between 2 and 10"},
    {"ELBV2_MULTIPLE_AZ", "{\"minAvailabilityZones\":\"11\"}", 0, "minAvailabilityZones"},
    {"CLB_DESYNC_MODE_CHECK", "{}", 0, "required parameter desyncMode"},
    {"CLB_DESYNC_MODE_CHECK", "{\"desyncMode\":\"Defensive, Monitor\"}", 1, NULL},
    {"CLB_DESYNC_MODE_CHECK", "{\"desyncMode\":\"lenient\"}", 0, "desyncMode"},
    {"ELB_PREDEFINED_SECURITY_POLICY_SSL_CHECK", "{}", 0,
     "required parameter predefinedPolicyName"},
    {"EKS_CLUSTER_SUPPORTED_VERSION", "{}", 0, "required parameter oldestVersionSupported"},
    {"NEPTUNE_CLUSTER_BACKUP_RETENTION_CHECK", "{\"minBackupRetentionPeriod\":\"36\"}", 0,
     "minBackupRetentionPeriod"},
    {"NEPTUNE_CLUSTER_BACKUP_RETENTION_CHECK", "{\"minBackupRetentionPeriod\":\"week\"}", 0,
     "minBackupRetentionPeriod"},
    {"STEP_FUNCTIONS_STATE_MACHINE_LOGGING_ENABLED", "{\"logLevel\":\"DEBUG\"}", 0, "logLevel"},
    {"APPSYNC_LOGGING_ENABLED", "{\"fieldLoggingLevel\":\"VERBOSE\"}", 0, "fieldLoggingLevel"},
    {"ELASTIC_BEANSTALK_LOGS_TO_CLOUDWATCH", "{\"RetentionInDays\":\"10\"}", 0, "RetentionInDays"},
    {"ELASTIC_BEANSTALK_LOGS_TO_CLOUDWATCH", "{\"DeleteOnTerminate\":\"maybe\"}", 0,
     "DeleteOnTerminate"},
    {"ELASTIC_BEANSTALK_LOGS_TO_CLOUDWATCH", "{\"RetentionInDays\":\"3653\"}", 1, NULL},
    {"CLOUDFORMATION_STACK_NOTIFICATION_CHECK", "{\"snsTopic6\":\"arn:x\"}", 0,
     "Unknown parameters"},
    {"EBS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"resourceTags\":\"env=prod\"}", 0,
     "resourceTags"},
    {"EBS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"resourceTags\":\"[1]\"}", 0,
     "not a JSON object"},
    {"EBS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"resourceTags\":\"{\\\"env\\\":\\\"prod\\\"}\"}",
     1, NULL},
    {"S3_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"backupVaultLockCheck\":\"yes\"}", 0,
     "backupVaultLockCheck"},
    {"RDS_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"minRetentionDays\":\"0\"}", 0,
     "minRetentionDays"},
    {"FSX_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "{\"maxRetentionDays\":\"x\"}", 0,
     "maxRetentionDays"},
    {"GUARDDUTY_S3_PROTECTION_ENABLED", "{\"x\":\"1\"}", 0, "Unknown parameters"},
    {"MACIE_STATUS_CHECK", "{\"x\":\"1\"}", 0, "Unknown parameters"},
    {"DYNAMODB_AUTOSCALING_ENABLED", "{\"targetReadUtilization\":\"70.5\"}", 1, NULL},
    {"DYNAMODB_AUTOSCALING_ENABLED", "{\"targetReadUtilization\":\"95\"}", 0,
     "targetReadUtilization"},
    {"DYNAMODB_AUTOSCALING_ENABLED", "{\"targetWriteUtilization\":\"high\"}", 0,
     "is not a number between 20 and 90"},
    {"DYNAMODB_AUTOSCALING_ENABLED", "{\"minProvisionedReadCapacity\":\"0\"}", 0,
     "minProvisionedReadCapacity"},
    {"GUARDDUTY_NON_ARCHIVED_FINDINGS", "{\"daysHighSev\":\"-1\"}", 0, "daysHighSev"},
    {"GUARDDUTY_NON_ARCHIVED_FINDINGS", "{\"daysLowSev\":\"14\",\"daysMediumSev\":\"3\"}", 1, NULL},
    {"DYNAMODB_THROUGHPUT_LIMIT_CHECK", "{\"accountRCUThresholdPercentage\":\"101\"}", 0,
     "accountRCUThresholdPercentage"},
    {"SECRETSMANAGER_SECRET_UNUSED", "{\"unusedForDays\":\"ninety\"}", 0, "unusedForDays"},
    {"SECRETSMANAGER_SECRET_PERIODIC_ROTATION", "{\"maxDaysSinceRotation\":\"0\"}", 0,
     "maxDaysSinceRotation"},
    {"BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", "{\"requiredRetentionDays\":\"x\"}", 0,
     "requiredRetentionDays"},
    {"SERVICE_VPC_ENDPOINT_ENABLED", "{}", 0, "required parameter serviceName"},
    {"ELB_CUSTOM_SECURITY_POLICY_SSL_CHECK", "{}", 0, "required parameter sslProtocolsAndCiphers"},
    {"CODEDEPLOY_EC2_MINIMUM_HEALTHY_HOSTS_CONFIGURED",
     "{\"minimumHealthyHostsFleetPercent\":\"101\"}", 0, "minimumHealthyHostsFleetPercent"},
    {"IAM_POLICY_IN_USE", "{}", 0, "required parameter policyARN"},
    {"IAM_POLICY_IN_USE", "{\"policyARN\":\"arn:x\",\"policyUsageType\":\"IAM_SERVICE\"}", 0,
     "policyUsageType"},
    {"WAFV2_LOGGING_ENABLED", "{\"KinesisFirehoseDeliveryStreamArns\":\"arn:a, arn:b\"}", 1, NULL},
    {"ALB_WAF_ENABLED", "{\"wafWebAclId\":\"x\"}", 0, "Unknown parameters"},
    {"ALB_TAGGED", "{\"requiredKeyTags\":\"Owner, CostCenter\"}", 1, NULL},
    {"ALB_TAGGED", "{\"requiredKeyTag\":\"Owner\"}", 0, "Unknown parameters"},
    {"DESIRED_INSTANCE_TENANCY", "{}", 0, "required parameter tenancy"},
    {"DESIRED_INSTANCE_TENANCY", "{\"tenancy\":\"SHARED\"}", 0, "DEFAULT|DEDICATED|HOST"},
    {"DESIRED_INSTANCE_TENANCY", "{\"tenancy\":\"dedicated\",\"imageId\":\"ami-1, ami-2\"}", 1,
     NULL},
    {"DESIRED_INSTANCE_TYPE", "{}", 0, "required parameter instanceType"},
    {"API_GWV2_AUTHORIZATION_TYPE_CONFIGURED", "{\"authorizationType\":\"NONE\"}", 0,
     "CUSTOM|AWS_IAM|JWT"},
    {"SAGEMAKER_NOTEBOOK_INSTANCE_PLATFORM_VERSION", "{}", 0,
     "required parameter supportedPlatformIdentifierVersions"},
    {"EBS_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT", "{\"recoveryPointAgeValue\":\"2184\"}", 1,
     NULL},
    {"EBS_LAST_BACKUP_RECOVERY_POINT_CREATED", "{\"recoveryPointAgeValue\":\"745\"}", 0,
     "recoveryPointAgeValue"},
    {"S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE", "{}", 0, "required parameter controlPolicy"},
    /* a control policy that is no policy is reported when the rule runs, as AWS does (AWS's PCI
     * DSS pack deploys controlPolicy '1024'): see cases.json */
    {"S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE", "{\"controlPolicy\":\"1024\"}", 1, NULL},
    {"S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE",
     "{\"controlPolicy\":\"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\"}]}\"}", 1, NULL},
    {"APPROVED_AMIS_BY_TAG", "{\"amisByTagKeyAndValue\":\"team:platform, approved\"}", 1, NULL},
    {"EC2_INSTANCE_LAUNCHED_WITH_ALLOWED_AMI", "{\"InstanceStateNameList\":\"running,asleep\"}", 0,
     "InstanceStateNameList"},
    {"COGNITO_USER_POOL_ADVANCED_SECURITY_ENABLED", "{\"SecurityMode\":\"OFF\"}", 0,
     "SecurityMode"},
    {"WAF_CLASSIC_LOGGING_ENABLED", "{\"KinesisFirehoseDeliveryStreamArns\":\"arn:a,arn:b\"}", 1,
     NULL},
    {"SHIELD_DRT_ACCESS", "{\"x\":\"1\"}", 0, "Unknown parameters"},
    /* the process check: parameters are not validated beyond being a JSON object */
    {"AWS_CONFIG_PROCESS_CHECK", "{\"anything\":\"1\"}", 1, NULL},
    {"AWS_CONFIG_PROCESS_CHECK", "\"x\"", 0, "Invalid JSON"},
};

static void test_params(void)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(param_cases); i++) {
        struct pl_arena a;
        struct pl_err err = {0};
        struct pl_managed_params *p = NULL;
        pl_arena_init(&a);
        const struct pl_managed_rule *r = pl_managed_find(param_cases[i].rule);
        T_REQUIRE(r);
        int rc = pl_managed_params(r, param_cases[i].params, &a, &p, &err);
        if (param_cases[i].ok && rc != 0)
            T_FAIL_("case %zu: unexpected error %s", i, err.msg);
        if (!param_cases[i].ok) {
            if (rc == 0)
                T_FAIL_("case %zu: accepted %s", i, param_cases[i].params);
            else if (err.code != PL_E_INVALID_PARAMETER_VALUE ||
                     !strstr(err.msg, param_cases[i].msg))
                T_FAIL_("case %zu: error '%s' lacks '%s'", i, err.msg, param_cases[i].msg);
        }
        pl_arena_fini(&a);
    }
}

static void test_parsed_values(void)
{
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_managed_params *p;
    pl_arena_init(&a);
    const struct pl_managed_rule *r = pl_managed_find("RESTRICTED_INCOMING_TRAFFIC");
    T_EQ(pl_managed_params(r, "{\"blockedPort2\":\"8080\"}", &a, &p, &err), 0);
    T_EQ(p->v[0].i, 20); /* default */
    T_EQ(p->v[1].i, 8080);
    T_EQ(p->v[4].i, 4333);
    r = pl_managed_find("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS");
    T_EQ(pl_managed_params(r, "{\"authorizedTcpPorts\":\"443, 1020-1025\"}", &a, &p, &err), 0);
    T_EQ(p->v[0].nranges, 2);
    T_EQ(p->v[0].ranges[1][0], 1020);
    T_EQ(p->v[0].ranges[1][1], 1025);
    T_OK(!p->v[1].set);
    r = pl_managed_find("IAM_PASSWORD_POLICY"); /* AWS: only a lowercase "true" is true */
    T_EQ(pl_managed_params(r, "{\"RequireSymbols\":\"TRUE\",\"RequireNumbers\":\"true\"}", &a, &p,
                           &err),
         0);
    T_OK(!p->v[2].b);
    T_OK(p->v[3].b);
    T_OK(p->v[0].b); /* default "true" */
    r = pl_managed_find("REDSHIFT_CLUSTER_CONFIGURATION_CHECK");
    T_EQ(pl_managed_params(r, "{\"clusterDbEncrypted\":\"TRUE\"}", &a, &p, &err), 0);
    T_OK(p->v[0].b);
    r = pl_managed_find("REQUIRED_TAGS");
    T_EQ(pl_managed_params(r, "{\"tag1Key\":\"Env\",\"tag1Value\":\"prod, dev\"}", &a, &p, &err),
         0);
    T_EQ(p->v[1].nitems, 2);
    T_STR(p->v[1].items[1], "dev");
    pl_arena_fini(&a);
}

/* ---- pl_managed_evaluate_all over a tiny store ---- */

static const char *const store_text[] = {
    "{\"resourceType\":\"AWS::EC2::VPC\",\"resourceId\":\"vpc-1\",\"configuration\":{}}",
    "{\"resourceType\":\"AWS::EC2::VPC\",\"resourceId\":\"vpc-2\",\"configuration\":{}}",
    ("{\"resourceType\":\"AWS::EC2::FlowLog\",\"resourceId\":\"fl-1\","
     "\"configuration\":{\"resourceId\":\"vpc-2\",\"trafficType\":\"ALL\"}}"),
};
static const struct pl_json *store[PL_ARRAY_LEN(store_text)];

static const struct pl_json *st_get(void *u, const char *type, const char *id)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(store); i++)
        if (strcmp(pl_json_get_str(store[i], "resourceType"), type) == 0 &&
            strcmp(pl_json_get_str(store[i], "resourceId"), id) == 0)
            return store[i];
    return NULL;
}

static int st_each(void *u, const char *type, int (*cb)(void *, const struct pl_json *), void *cbu)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(store); i++)
        if (strcmp(pl_json_get_str(store[i], "resourceType"), type) == 0 && cb(cbu, store[i]))
            return 1;
    return 0;
}

struct got {
    int n, compliant, stop_after;
    char ids[4][16];
};

static int got_emit(void *u, const struct pl_managed_eval *ev)
{
    struct got *g = u;
    if (g->n < 4)
        pl_strlcpy(g->ids[g->n], ev->resource_id, sizeof(g->ids[0]));
    g->n++;
    g->compliant += ev->compliance == PL_COMPLIANT;
    return g->stop_after && g->n >= g->stop_after;
}

static void test_evaluate_all(void)
{
    struct pl_arena a, scratch;
    struct pl_err err = {0};
    struct pl_managed_params *p;
    struct pl_managed_eval ev;
    pl_arena_init(&a);
    pl_arena_init(&scratch);
    for (size_t i = 0; i < PL_ARRAY_LEN(store); i++) {
        store[i] = pl_json_parse(&a, store_text[i], strlen(store_text[i]), &err);
        T_REQUIRE(store[i]);
    }
    struct pl_managed_env env = {NULL, st_get, st_each, 0, "123456789012", "us-east-1"};
    const struct pl_managed_rule *r = pl_managed_find("VPC_FLOW_LOGS_ENABLED");
    T_EQ(pl_managed_params(r, NULL, &a, &p, &err), 0);

    struct got g = {0};
    T_EQ(pl_managed_evaluate_all(p, &env, &scratch, got_emit, &g, &err), 0);
    T_EQ(g.n, 2);
    T_EQ(g.compliant, 1);
    T_STR(g.ids[0], "vpc-1");
    T_STR(g.ids[1], "vpc-2");

    struct got stop = {.stop_after = 1};
    T_EQ(pl_managed_evaluate_all(p, &env, &scratch, got_emit, &stop, &err), -1);
    T_EQ(stop.n, 1);

    /* a rule that needs the store, without one */
    pl_err_clear(&err);
    T_EQ(pl_managed_evaluate(p, store[0], NULL, &scratch, &ev, &err), -1);
    T_EQ(err.code, PL_E_INTERNAL);

    /* an account-level rule: not per CI, and nothing to judge without the account CI */
    r = pl_managed_find("SECURITYHUB_ENABLED");
    T_EQ(pl_managed_params(r, NULL, &a, &p, &err), 0);
    pl_err_clear(&err);
    T_EQ(pl_managed_evaluate(p, store[0], &env, &scratch, &ev, &err), -1);
    pl_err_clear(&err);
    struct got none = {0};
    T_EQ(pl_managed_evaluate_all(p, &env, &scratch, got_emit, &none, &err), -1);
    T_EQ(err.code, PL_E_RESOURCE_NOT_DISCOVERED);
    T_EQ(none.n, 0);
    pl_arena_fini(&scratch);
    pl_arena_fini(&a);
}

int main(void)
{
    T_RUN(test_catalogue);
    T_RUN(test_shapes);
    T_RUN(test_params);
    T_RUN(test_parsed_values);
    T_RUN(test_evaluate_all);
    return T_EXIT();
}
