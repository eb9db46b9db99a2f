/*
 * markdown_api.h — POST /api/v1/markdown/preview {markdown} → {html}: the safe rendering
 * (core/markdown.h) of what a designer is typing, exactly as learners will see it. Any
 * signed-in person may call it (forum posts will use it too); it changes nothing.
 */
#ifndef WAYMARK_WORKFLOW_MARKDOWN_API_H
#define WAYMARK_WORKFLOW_MARKDOWN_API_H

#include "core/ctx.h"

enum rc markdown_api_preview(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
