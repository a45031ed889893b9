/* err.h — plumb's one error type.
 *
 * Every fallible function returns 0/-1 (or NULL) and fills a struct pl_err. The codes are the
 * AWS error codes (the "__type" a client sees) with the HTTP status plumb answers with; only
 * the API layer turns an error into a wire response. The first failure recorded wins, so a
 * caller deep in a stack can add no noise to the root cause.
 */
#ifndef PL_CORE_ERR_H
#define PL_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

struct pl_arena;

/* X(ident, AWS error code, HTTP status) */
#define PL_ERRORS(X) \
    X(SERIALIZATION,                                         "SerializationException",                                   400) \
    X(UNKNOWN_OPERATION,                                     "UnknownOperationException",                                400) \
    X(INVALID_SIGNATURE,                                     "InvalidSignatureException",                                403) \
    X(INCOMPLETE_SIGNATURE,                                  "IncompleteSignatureException",                             400) \
    X(UNRECOGNIZED_CLIENT,                                   "UnrecognizedClientException",                              403) \
    X(EXPIRED_TOKEN,                                         "ExpiredTokenException",                                    400) \
    X(MISSING_AUTH_TOKEN,                                    "MissingAuthenticationTokenException",                      403) \
    X(ACCESS_DENIED,                                         "AccessDeniedException",                                    403) \
    X(REQUEST_TOO_LARGE,                                     "RequestEntityTooLargeException",                           400) \
    X(THROTTLING,                                            "ThrottlingException",                                      400) \
    X(INVALID_ACTION,                                        "InvalidAction",                                            400) \
    X(INTERNAL,                                              "InternalFailure",                                          500) \
    X(UNAVAILABLE,                                           "ServiceUnavailable",                                       503) \
    X(IO,                                                    "InternalFailure",                                          500) \
    X(CONFLICT,                                              "ConflictException",                                        400) \
    X(CONFORMANCE_PACK_TEMPLATE_VALIDATION,                  "ConformancePackTemplateValidationException",               400) \
    X(IDEMPOTENT_PARAMETER_MISMATCH,                         "IdempotentParameterMismatch",                              400) \
    X(INSUFFICIENT_DELIVERY_POLICY,                          "InsufficientDeliveryPolicyException",                      400) \
    X(INSUFFICIENT_PERMISSIONS,                              "InsufficientPermissionsException",                         400) \
    X(INVALID_CONFIGURATION_RECORDER_NAME,                   "InvalidConfigurationRecorderNameException",                400) \
    X(INVALID_DELIVERY_CHANNEL_NAME,                         "InvalidDeliveryChannelNameException",                      400) \
    X(INVALID_EXPRESSION,                                    "InvalidExpressionException",                               400) \
    X(INVALID_LIMIT,                                         "InvalidLimitException",                                    400) \
    X(INVALID_NEXT_TOKEN,                                    "InvalidNextTokenException",                                400) \
    X(INVALID_PARAMETER_VALUE,                               "InvalidParameterValueException",                           400) \
    X(INVALID_RECORDING_GROUP,                               "InvalidRecordingGroupException",                           400) \
    X(INVALID_RESULT_TOKEN,                                  "InvalidResultTokenException",                              400) \
    X(INVALID_ROLE,                                          "InvalidRoleException",                                     400) \
    X(INVALID_S3_KEY_PREFIX,                                 "InvalidS3KeyPrefixException",                              400) \
    X(INVALID_S3_KMS_KEY_ARN,                                "InvalidS3KmsKeyArnException",                              400) \
    X(INVALID_SNSTOPIC_ARN,                                  "InvalidSNSTopicARNException",                              400) \
    X(INVALID_TIME_RANGE,                                    "InvalidTimeRangeException",                                400) \
    X(LAST_DELIVERY_CHANNEL_DELETE_FAILED,                   "LastDeliveryChannelDeleteFailedException",                 400) \
    X(LIMIT_EXCEEDED,                                        "LimitExceededException",                                   400) \
    X(MAX_ACTIVE_RESOURCES_EXCEEDED,                         "MaxActiveResourcesExceededException",                      400) \
    X(MAX_NUMBER_OF_CONFIG_RULES_EXCEEDED,                   "MaxNumberOfConfigRulesExceededException",                  400) \
    X(MAX_NUMBER_OF_CONFIGURATION_RECORDERS_EXCEEDED,        "MaxNumberOfConfigurationRecordersExceededException",       400) \
    X(MAX_NUMBER_OF_CONFORMANCE_PACKS_EXCEEDED,              "MaxNumberOfConformancePacksExceededException",             400) \
    X(MAX_NUMBER_OF_DELIVERY_CHANNELS_EXCEEDED,              "MaxNumberOfDeliveryChannelsExceededException",             400) \
    X(MAX_NUMBER_OF_ORGANIZATION_CONFIG_RULES_EXCEEDED,      "MaxNumberOfOrganizationConfigRulesExceededException",      400) \
    X(MAX_NUMBER_OF_ORGANIZATION_CONFORMANCE_PACKS_EXCEEDED, "MaxNumberOfOrganizationConformancePacksExceededException", 400) \
    X(MAX_NUMBER_OF_RETENTION_CONFIGURATIONS_EXCEEDED,       "MaxNumberOfRetentionConfigurationsExceededException",      400) \
    X(NO_AVAILABLE_CONFIGURATION_RECORDER,                   "NoAvailableConfigurationRecorderException",                400) \
    X(NO_AVAILABLE_DELIVERY_CHANNEL,                         "NoAvailableDeliveryChannelException",                      400) \
    X(NO_AVAILABLE_ORGANIZATION,                             "NoAvailableOrganizationException",                         400) \
    X(NO_RUNNING_CONFIGURATION_RECORDER,                     "NoRunningConfigurationRecorderException",                  400) \
    X(NO_SUCH_BUCKET,                                        "NoSuchBucketException",                                    400) \
    X(NO_SUCH_CONFIG_RULE,                                   "NoSuchConfigRuleException",                                400) \
    X(NO_SUCH_CONFIG_RULE_IN_CONFORMANCE_PACK,               "NoSuchConfigRuleInConformancePackException",               400) \
    X(NO_SUCH_CONFIGURATION_AGGREGATOR,                      "NoSuchConfigurationAggregatorException",                   400) \
    X(NO_SUCH_CONFIGURATION_RECORDER,                        "NoSuchConfigurationRecorderException",                     400) \
    X(NO_SUCH_CONFORMANCE_PACK,                              "NoSuchConformancePackException",                           400) \
    X(NO_SUCH_DELIVERY_CHANNEL,                              "NoSuchDeliveryChannelException",                           400) \
    X(NO_SUCH_ORGANIZATION_CONFIG_RULE,                      "NoSuchOrganizationConfigRuleException",                    400) \
    X(NO_SUCH_ORGANIZATION_CONFORMANCE_PACK,                 "NoSuchOrganizationConformancePackException",               400) \
    X(NO_SUCH_REMEDIATION_CONFIGURATION,                     "NoSuchRemediationConfigurationException",                  400) \
    X(NO_SUCH_REMEDIATION_EXCEPTION,                         "NoSuchRemediationExceptionException",                      400) \
    X(NO_SUCH_RETENTION_CONFIGURATION,                       "NoSuchRetentionConfigurationException",                    400) \
    X(ORGANIZATION_ACCESS_DENIED,                            "OrganizationAccessDeniedException",                        400) \
    X(ORGANIZATION_ALL_FEATURES_NOT_ENABLED,                 "OrganizationAllFeaturesNotEnabledException",               400) \
    X(ORGANIZATION_CONFORMANCE_PACK_TEMPLATE_VALIDATION,     "OrganizationConformancePackTemplateValidationException",   400) \
    X(OVERSIZED_CONFIGURATION_ITEM,                          "OversizedConfigurationItemException",                      400) \
    X(REMEDIATION_IN_PROGRESS,                               "RemediationInProgressException",                           400) \
    X(RESOURCE_CONCURRENT_MODIFICATION,                      "ResourceConcurrentModificationException",                  400) \
    X(RESOURCE_IN_USE,                                       "ResourceInUseException",                                   400) \
    X(RESOURCE_NOT_DISCOVERED,                               "ResourceNotDiscoveredException",                           400) \
    X(RESOURCE_NOT_FOUND,                                    "ResourceNotFoundException",                                400) \
    X(TOO_MANY_TAGS,                                         "TooManyTagsException",                                     400) \
    X(UNMODIFIABLE_ENTITY,                                   "UnmodifiableEntityException",                              400) \
    X(VALIDATION,                                            "ValidationException",                                      400)

enum pl_errcode {
    PL_E_NONE = 0,
#define PL__ERR_ENUM(id, name, status) PL_E_##id,
    PL_ERRORS(PL__ERR_ENUM)
#undef PL__ERR_ENUM
    PL_E__COUNT
};

/* The message has no fixed cap, yet the struct stays cheap to put on the stack and owns nothing:
 * - msg always holds the message, or its longest prefix that fits, cut at a UTF-8 character
 *   boundary (so it is always valid UTF-8, whatever bytes the format arguments carried: an
 *   invalid byte is written as '?').
 * - When the caller gives the error an arena (err.arena = req->arena, as the API layer does for
 *   every request), a message longer than msg is also kept whole in that arena and full points
 *   at it; it lives as long as the arena. pl_err_msg() returns the whole message either way.
 * So an error that reaches the wire (the API's, which has the request arena) is never cut, and
 * one that only reaches a log line is cut at PL_ERR_INLINE - 1 bytes. Copying the struct is fine
 * (full points into the arena, not into the struct). Initialise with {0}. */
#define PL_ERR_INLINE 256

struct pl_err {
    enum pl_errcode code;
    char msg[PL_ERR_INLINE];
    struct pl_arena *arena; /* optional, set by the owner; pl_err_clear() keeps it */
    const char *full;       /* whole message in arena when longer than msg, else NULL */
};

/* Records the first failure in e (later calls are ignored while e->code is set).
 * Always returns -1 so callers can write: return pl_fail(err, ...); e may be NULL. */
int pl_fail(struct pl_err *e, enum pl_errcode c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pl_vfail(struct pl_err *e, enum pl_errcode c, const char *fmt, va_list ap);

/* Clears e so it can be reused (keeps e->arena). */
void pl_err_clear(struct pl_err *e);

/* The whole message of e: full when it was kept in the arena, else msg. Borrowed. */
const char *pl_err_msg(const struct pl_err *e);

/* Length of the longest prefix of s[0..n) that is whole, valid UTF-8 sequences. */
size_t pl_utf8_valid_prefix(const char *s, size_t n);
/* Makes the string s (n = strlen(s)) valid UTF-8 in place, for text cut to a fixed size: an
 * incomplete sequence at the very end (a cut in the middle of a character) is dropped, any other
 * invalid byte becomes '?'. Returns the new length (s stays NUL-terminated). */
size_t pl_utf8_fix_cut(char *s, size_t n);

/* The AWS code ("ValidationException") and HTTP status of c. */
const char *pl_err_name(enum pl_errcode c);
int pl_err_status(enum pl_errcode c);

/* Looks a code up by its AWS name; PL_E_NONE when unknown. */
enum pl_errcode pl_err_from_name(const char *name);

#endif
