/* dsl-tee-branch.h - one branch of a running tee: a request pad linked to
 * the branch's first element, and its removal while data flows.
 *
 * Used by the Pipeline (its sinks and shared streams on the raw-video tee),
 * and by shared streams (each viewer's session on the encoded tee).
 *
 * Removal never waits: the pad is unlinked at its first idle moment (an
 * IDLE probe, on whichever thread that is), and the caller hears about it
 * on the main context, where it stops and removes the branch's elements.
 * If no idle moment comes within DSL_TEE_BRANCH_UNLINK_TIMEOUT_MS (a
 * streaming thread stuck downstream), it unlinks anyway.
 *
 * Every function runs with the main context held.
 */
#ifndef DSL_TEE_BRANCH_H
#define DSL_TEE_BRANCH_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define DSL_TEE_BRANCH_UNLINK_TIMEOUT_MS 1000

typedef struct _DslTeeBranch DslTeeBranch;

/* Called once on the main context when the branch is unlinked and its
 * tee pad released: the branch's elements get no more data. */
typedef void (*DslTeeBranchUnlinkedFunc) (gpointer user_data);

/* Requests a pad of tee and links it to sink_pad, whose element must be
 * in the same bin as tee. Link the branch's elements and bring them to
 * their parent's state first: a tee never pushes into a flushing branch.
 * Returns NULL (logged) when the pad cannot be linked. */
DslTeeBranch *dsl_tee_branch_new (GstElement * tee, GstPad * sink_pad);

/* Starts the removal; func(user_data) runs once it is done: in this call
 * when the pad is idle now, else later on the main context. Then
 * destroy(user_data). Call once. */
void dsl_tee_branch_unlink (DslTeeBranch * self,
    DslTeeBranchUnlinkedFunc func, gpointer user_data,
    GDestroyNotify destroy);

/* Finishes a removal under way at once (func runs in this call). */
void dsl_tee_branch_unlink_now (DslTeeBranch * self);

/* TRUE until func has run. */
gboolean dsl_tee_branch_is_linked (DslTeeBranch * self);

/* Drops the caller's branch; a removal under way goes on (func still
 * runs). A branch never unlinked is unlinked first, at once. */
void dsl_tee_branch_free (DslTeeBranch * self);

G_END_DECLS

#endif /* DSL_TEE_BRANCH_H */
