/* dsl-pad-util.h - unlinking a branch from a running tee. */
#ifndef DSL_PAD_UTIL_H
#define DSL_PAD_UTIL_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Unlinks src_pad from its peer once no data is passing (an IDLE probe,
 * which runs at once in this thread or later in the streaming thread), and
 * returns when it is unlinked, at the latest after timeout_ms, when it
 * unlinks it anyway. The caller must hold no lock a streaming thread
 * could need. */
void dsl_pad_unlink_when_idle (GstPad * src_pad, guint timeout_ms);

G_END_DECLS

#endif /* DSL_PAD_UTIL_H */
