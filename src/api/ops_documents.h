/* ops_documents.h — the conformance pack templates registered as SSM documents
 * (ops_documents.c), read by PutConformancePack's TemplateSSMDocumentDetails (ops_packs.c). */
#ifndef PL_API_OPS_DOCUMENTS_H
#define PL_API_OPS_DOCUMENTS_H

#include "api/api_int.h"

extern const struct pl_op_entry pl_ops_documents[]; /* PlumbService.*Document(s) */

/* The content of version want (NULL or "$LATEST": the latest, "$DEFAULT": the default, else a
 * number) of document name in (account, region): 0 with *content and *version (arena), or -1:
 * ConformancePackTemplateValidationException when there is no such document or version. */
int pl_ops__document_content(struct pl_op_ctx *c, const char *account, const char *region,
                             const char *name, const char *want, const char **content,
                             const char **version);
/* The template a TemplateSSMDocumentDetails {DocumentName (a name, or an ARN of the caller's
 * account: its Region is used), DocumentVersion} names, as c's account (arena). */
int pl_ops__document_template(struct pl_op_ctx *c, const struct pl_json *details,
                              const char **body);

#endif
