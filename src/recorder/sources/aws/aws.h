/* sources/aws/aws.h — discovery of live AWS resources (issue 18): the recorder's AWS source.
 *
 * A sweep reads the AWS SDKs' credential chain and endpoint settings (env.c), calls the service
 * APIs through the one outbound client (core/client.h) signed with SigV4, retrying throttled
 * and failed calls with exponential backoff and full jitter and spacing its own calls per
 * service (call.c), turns the XML answers into JSON trees (xml.c, libxml2), builds one CI per
 * resource in AWS Config's own shape (s3.c: AWS::S3::Bucket; ec2.c: AWS::EC2::SecurityGroup,
 * AWS::EC2::VPC, AWS::EC2::Instance, AWS::EC2::Volume; rds.c: AWS::RDS::DBInstance; iam.c:
 * AWS::IAM::Role, AWS::IAM::User; account.c: AWS::::Account) and records them through the
 * recorder's batch (sweep.c). A type whose listing and describes all succeeded has its resources
 * that were not seen recorded as ResourceDeleted; a type with any failed call marks nothing
 * deleted.
 *
 * Credentials come from the SDKs' whole chain (env.c: environment and shared files; creds.c:
 * web identity, role profiles, container and instance metadata, AssumeRole into other
 * accounts: roles.c). Secrets are never logged nor put in error messages.
 */
#ifndef PL_RECORDER_SOURCES_AWS_H
#define PL_RECORDER_SOURCES_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/client.h"
#include "core/err.h"
#include "core/json.h"
#include "recorder/recorder.h"
#include "store/store.h"

#define PL_AWS_MAX_XML      (16u << 20) /* one answer at most 16 MB */
#define PL_AWS_XML_DEPTH    64          /* deeper XML is refused */
#define PL_AWS_MAX_PAGES    10000       /* pages of one listing */
#define PL_AWS_MAX_ATTEMPTS 6           /* tries of one call (1 + 5 retries) */

/* ---- credentials and endpoints (env.c) ---- */

struct pl_aws_creds {
    char access_key[129];
    char secret_key[257];
    char session_token[4096]; /* "" unless temporary credentials */
    char expiration[40];      /* ISO 8601 of temporary credentials, else "" */
    /* "environment", "shared-credentials-file", "config-file", "web-identity", "assume-role",
     * "container", "instance-metadata" */
    const char *source;
};

/* The credential chain as the SDKs walk it (the parts plumb has): AWS_ACCESS_KEY_ID +
 * AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), then profile (NULL: AWS_PROFILE, else
 * "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), then in AWS_CONFIG_FILE
 * (~/.aws/config, section [profile NAME] or [default]). -1 with PL_E_VALIDATION when none has
 * keys (the message names what was looked at). */
int pl_aws_creds_load(const char *profile, struct pl_aws_creds *out, struct pl_err *err);

/* The whole chain, as the SDKs walk it (creds.c): the environment's keys (unless profile is
 * given); web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME]:
 * STS AssumeRoleWithWebIdentity, unsigned); the profile's role_arn (with web_identity_token_file,
 * or source_profile / credential_source Environment|EcsContainer|Ec2InstanceMetadata, and
 * external_id: STS AssumeRole); the profile's keys (pl_aws_creds_load); container credentials
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2 or _FULL_URI, https or a loopback /
 * ECS / EKS host, with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]); instance metadata IMDSv2 (PUT
 * /latest/api/token, then GET /latest/meta-data/iam/security-credentials/ROLE, on
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254; skipped when
 * AWS_EC2_METADATA_DISABLED=true). STS calls are made in region. -1 with err when none gave
 * credentials, or a configured source (web identity, a role profile, the container URI) failed. */
int pl_aws_creds_chain(const char *profile, const char *region, struct pl_aws_creds *out,
                       struct pl_err *err);

/* STS AssumeRole of role_arn (session AWS_ROLE_SESSION_NAME or plumb-discover-EPOCH;
 * external_id may be NULL) with c's credentials: the temporary credentials in out. */
struct pl_aws_ctx;
int pl_aws_assume_role(struct pl_aws_ctx *c, const char *role_arn, const char *external_id,
                       struct pl_aws_creds *out, struct pl_err *err);

/* key of the profile (NULL: AWS_PROFILE / default) in the shared credentials file, else in the
 * config file. 1 found, 0 not. */
int pl_aws_profile_get(const char *profile, const char *key, char *out, size_t n);

/* The region when none is given: AWS_REGION, AWS_DEFAULT_REGION, the profile's region in the
 * config file, else "us-east-1". Copied into out[0..n). */
void pl_aws_region_default(const char *profile, char *out, size_t n);

/* The endpoint of service (the SDK's service id: "s3", "ec2", "sts", "iam") in region, as the
 * SDKs find it: AWS_ENDPOINT_URL_<SERVICE> (upper case, '-' and ' ' as '_'), AWS_ENDPOINT_URL,
 * the profile's endpoint_url in the config file, else https://SERVICE.REGION.amazonaws.com
 * (iam: https://iam.amazonaws.com). No trailing '/'. Into out[0..n). */
void pl_aws_endpoint(const char *service, const char *region, const char *profile, char *out,
                     size_t n);

/* Reads key of section [section] of an INI file (AWS's shared-file syntax: '#' and ';'
 * comments, "key = value"). 1 found (value copied), 0 absent or no file. For tests too. */
int pl_aws_ini_get(const char *path, const char *section, const char *key, char *out, size_t n);

/* ---- XML answers (xml.c) ---- */

/* Turns an XML document into a JSON tree in a: an element with element children is an object
 * of them (a name seen twice becomes an array of its values), an element whose children are
 * all <item> or <member> (the EC2 and query protocols' lists) is an array, any other element
 * is its text as a string (empty: ""). Attributes and namespaces are dropped. The root
 * element's own value is returned (its name in *root_name when not NULL, in a). NULL with
 * PL_E_SERIALIZATION on bad XML, a document over PL_AWS_MAX_XML or deeper than
 * PL_AWS_XML_DEPTH. No network access, no entities expanded. */
struct pl_json *pl_aws_xml_to_json(struct pl_arena *a, const char *xml, size_t len,
                                   const char **root_name, struct pl_err *err);

/* j as an array (a copy; j is left in its tree): j's copy when an array, [] for NULL/"" , else [j]
 * (a list of one element is an object in the XML conversion). Result in a. */
struct pl_json *pl_aws_list(struct pl_arena *a, const struct pl_json *j);

/* {k: item[k] (a copy) or null} for the NULL-terminated keys, in that order (in a). */
struct pl_json *pl_aws_shaped(struct pl_arena *a, const struct pl_json *item,
                              const char *const *keys);

/* [{key, value}] (EC2's, or RDS's after renaming) → {key: value} (in a). */
struct pl_json *pl_aws_tag_map(struct pl_arena *a, const struct pl_json *tags);

/* Appends {resourceType, resourceId: id, name} to rels once (nothing for a NULL or "" id). */
void pl_aws_rel(struct pl_arena *a, struct pl_json *rels, const char *name, const char *type,
                const char *id);

/* ---- calls (call.c) ---- */

/* One sweep's calling context: credentials, region, endpoints, counters, rate and backoff. */
struct pl_aws_ctx {
    struct pl_aws_creds creds;
    const char *region;
    const char *profile; /* NULL: AWS_PROFILE / default */
    double rate;         /* calls per second per service (0: unbounded) */
    long backoff_ms;     /* first retry's delay bound (0: 100) */
    long backoff_max_ms; /* largest delay (0: 20000) */
    long timeout_ms;     /* per request (0: the client's default) */
    int page_size;       /* MaxResults / MaxItems of listings (0: 1000) */
    /* counters */
    int64_t calls;   /* HTTP requests made (retries included) */
    int64_t retries; /* of which retries */
    int64_t throttled;
    /* per-service pacing: the next time (monotonic ns) a call may start */
    struct {
        char service[16];
        int64_t next_ns;
    } pace[8];
    uint64_t rng;
};

/* Initialises c for region with loaded credentials. */
void pl_aws_ctx_init(struct pl_aws_ctx *c, const struct pl_aws_creds *creds, const char *region);

/* A call's answer: status, body (NUL-terminated, owned by the call until pl_aws_resp_fini),
 * the parsed error code for non-2xx answers ("NoSuchBucketPolicy"; "" when none). */
struct pl_aws_resp {
    long status;
    struct pl_client_resp raw;
    char code[128];
};
void pl_aws_resp_fini(struct pl_aws_resp *r);

/* METHOD endpoint(service)+path_query, signed for service in c->region, body[0..len) with
 * content_type (NULL: none). Retries answers that are throttling (HTTP 429, 503, or the codes
 * Throttling, ThrottlingException, RequestLimitExceeded, SlowDown, TooManyRequestsException,
 * RequestThrottled), 500/502/504 and transport failures, up to PL_AWS_MAX_ATTEMPTS, with
 * full-jitter exponential backoff. 0 with *r filled when an answer came (any status: the caller
 * decides; r->code is set), -1 with err when none did or retries ran out. */
int pl_aws_call(struct pl_aws_ctx *c, const char *service, const char *method,
                const char *path_query, const char *content_type, const char *body, size_t len,
                struct pl_aws_resp *r, struct pl_err *err);

/* pl_aws_call with one more request header ("Name: value", signed with the others; NULL:
 * none), e.g. S3 Control's "x-amz-account-id: ID". Service "s3-control" is signed as "s3". */
int pl_aws_call_hdr(struct pl_aws_ctx *c, const char *service, const char *method,
                    const char *path_query, const char *content_type, const char *header,
                    const char *body, size_t len, struct pl_aws_resp *r, struct pl_err *err);

/* A query-protocol (EC2, STS, IAM) action: POST form "Action=...&Version=...&params" and the
 * 200 answer's XML as JSON (in a). -1 with err (the AWS code and message) on any other status. */
struct pl_json *pl_aws_query(struct pl_aws_ctx *c, struct pl_arena *a, const char *service,
                             const char *action, const char *version, const char *params,
                             struct pl_err *err);

/* ---- resource types (s3.c, ec2.c) ---- */

/* What one type's collector produced: CIs (JSON objects in the file dialect, in the sweep's
 * arena) and whether every call of the type succeeded (only then are unseen resources
 * deleted). */
struct pl_aws_found {
    struct pl_json *cis; /* array */
    bool complete;
    char error[256]; /* the first failure, when !complete */
};

/* The sweep's shared state between collectors: the account, and what EC2 listings were read
 * (a VPC's relationships come from the groups and instances in it). */
struct pl_aws_sweep {
    struct pl_aws_ctx *ctx;
    struct pl_arena *a;
    const char *account;
    /* the (vpcId, id) pairs of the groups' and instances' listings (compact, in a), NULL until
     * a listing completed: the VPCs' relationships */
    struct pl_json *ec2_group_pairs, *ec2_instance_pairs;
    struct pl_json *iam_policies; /* customer managed policy ARN → id, NULL until read */
    const char *only_ref; /* a re-describe: only the resource of this id or name (else NULL) */
    /* Memory: listings live in a for the sweep; a collector may build each CI (and its
     * per-item temporaries) in ca and hand it to pl_aws_emit, which records and frees them
     * BATCH at a time, so a type's CIs do not pile up (ca is reset: nothing else may point
     * into it). A collector that pushes into out->cis itself (in a) is recorded at its end. */
    struct pl_arena *ca;
    void *chunk; /* sweep.c's recording state of the type */
};

/* Adds ci (built in s->ca) to out->cis; records and frees them when a batch is full (the
 * chunk's recording or its failure is the sweep's business; out->cis is then a new array). */
void pl_aws_emit(struct pl_aws_sweep *s, struct pl_aws_found *out, struct pl_json *ci);

/* Whether a re-describe (s->only_ref) leaves out the resource of id and name (NULL: none). */
bool pl_aws_skip(const struct pl_aws_sweep *s, const char *id, const char *name);

int pl_aws_s3_buckets(struct pl_aws_sweep *s, struct pl_aws_found *out);
int pl_aws_ec2_security_groups(struct pl_aws_sweep *s, struct pl_aws_found *out);
int pl_aws_ec2_vpcs(struct pl_aws_sweep *s, struct pl_aws_found *out);
int pl_aws_ec2_instances(struct pl_aws_sweep *s, struct pl_aws_found *out);
int pl_aws_ec2_volumes(struct pl_aws_sweep *s, struct pl_aws_found *out);
int pl_aws_rds_instances(struct pl_aws_sweep *s, struct pl_aws_found *out); /* rds.c */
int pl_aws_iam_roles(struct pl_aws_sweep *s, struct pl_aws_found *out); /* iam.c */
int pl_aws_iam_users(struct pl_aws_sweep *s, struct pl_aws_found *out);
/* AWS::::Account (account.c): the account-level facts, one CI for the sweep's account */
int pl_aws_account(struct pl_aws_sweep *s, struct pl_aws_found *out);

/* Sets EC2-style typed leaves in place: "true"/"false" → booleans, and the values of keys in
 * the NULL-terminated list numeric → numbers (when they are integers). Recursion is bounded by
 * the tree's own depth (PL_AWS_XML_DEPTH). */
void pl_aws_typed(struct pl_json *j, const char *const *numeric);

/* ---- the sweep (sweep.c) ---- */

/* The caller's account: STS GetCallerIdentity's 12 digits (in a), NULL with err. */
const char *pl_aws_caller_account(struct pl_aws_ctx *c, struct pl_arena *a, struct pl_err *err);

/* The types discovery knows, NULL-terminated. */
extern const char *const pl_aws_types[];

struct pl_discover_opts {
    const char *region;
    const char *account;      /* NULL: STS GetCallerIdentity */
    const char *const *types; /* NULL-terminated; NULL: every pl_aws_types */
    enum pl_rec_mode mode;    /* PL_REC_MODE_IMPORT (plumb record's) or _ALL */
    bool dry_run;             /* record nothing; list what would be */
    /* a re-describe of one resource (an event touched it): only the resource of the types whose
     * resourceId or resourceName is only_ref is described and recorded, or made ResourceDeleted
     * when the complete listing no longer has it; nothing else is recorded nor deleted */
    const char *only_ref;
    void (*on_ci)(void *u, const char *type, const char *id, const char *what); /* may be NULL */
    /* each CI found, in the notification dialect (`plumb record` reads it back); may be NULL */
    void (*on_json)(void *u, const struct pl_json *ci);
    void *u;
};

struct pl_discover_stats {
    int64_t found, recorded, unchanged, deleted, not_recorded, failed_types;
    int64_t invalid; /* CIs the recorder refused (a bug of a type's shape; logged) */
    int64_t calls, retries, throttled;
    double seconds;
    char account[13];
};

/* One sweep: every type of o, recorded into st (may be NULL with dry_run). 0 when every type
 * was swept; -1 with err when credentials, the account or a store write failed, or when some
 * type failed (those recorded what they could, marked nothing deleted; err names the first). */
int pl_discover_sweep(struct pl_store *st, struct pl_aws_ctx *c, const struct pl_discover_opts *o,
                      struct pl_discover_stats *stats, struct pl_err *err);

/* ---- across accounts (roles.c) ---- */

struct pl_discover_roles {
    const char *const *role_arns; /* NULL-terminated (may be NULL): one account each */
    const char *org_role;         /* non-NULL: this role in each member of plumb's organization */
    const char *external_id;      /* AssumeRole's ExternalId, or NULL */
};

/* Whether r names any target account. */
bool pl_discover_roles_any(const struct pl_discover_roles *r);

/* One sweep per target account of r (STS AssumeRole with base's credentials, then a sweep with
 * the role's, recorded in that account's partitions; the organization's management account is
 * swept with base's own credentials). stats are summed (the AssumeRole calls counted; a failed
 * account counts as a failed type). 0 when every account was swept; -1 with err naming the
 * first failed account (the others are swept all the same). */
int pl_discover_accounts(struct pl_store *st, struct pl_aws_ctx *base,
                         const struct pl_discover_roles *r, const struct pl_discover_opts *o,
                         struct pl_discover_stats *stats, struct pl_err *err);

/* ---- periodic sweeps in plumb serve (watch.c) ---- */

#define PL_DISCOVER_INTERVAL_S 900 /* default seconds between sweeps */

/* Starts a thread sweeping every type (pl_aws_types) of the default region (the SDKs' chain)
 * at once and then every interval_s seconds (0: PL_DISCOVER_INTERVAL_S) into the store at spec
 * (its own connection), with PL_REC_MODE_RECORDER; into the accounts of role_arns
 * (comma-separated, may be NULL) and of org_role (may be NULL) when given (pl_discover_accounts).
 * The credential chain is walked again before each sweep. NULL with err when there are no
 * credentials or the store cannot be opened. */
struct pl_discover_watch;
struct pl_discover_watch *pl_discover_watch_start(const char *spec, int interval_s,
                                                  const char *role_arns, const char *org_role,
                                                  struct pl_err *err);
void pl_discover_watch_stop(struct pl_discover_watch *w); /* NULL is fine; waits for a sweep */

/* A pl_trail_opts.on_event for the CloudTrail watcher (u: the watch): queues a re-describe of
 * each discovered resource the event touched (its links: the type and id or name, an S3 ARN),
 * in the watch's region (IAM: any), unless the call failed (errorCode). Thread-safe. */
struct pl_trail_event;
void pl_discover_watch_event(void *u, const struct pl_trail_event *ev);

#endif
