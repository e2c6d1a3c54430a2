/* dsl-tee-branch.c */
#include "core/dsl-tee-branch.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_pipeline_debug

typedef enum
{
  BRANCH_LINKED,
  BRANCH_UNLINKING,            /* the IDLE probe is waiting */
  BRANCH_UNLINKED,             /* the pad is unlinked; func not yet run */
  BRANCH_DONE,                 /* released, func has run */
} BranchState;

struct _DslTeeBranch
{
  gint ref_count;              /* the owner, the probe, a posted finish */
  GstElement *tee;
  GstPad *tee_pad;

  GMutex lock;                 /* state, posted: the probe's thread too */
  BranchState state;
  gboolean armed;              /* the probe may post the finish */
  gboolean fired;              /* the probe ran (and removed itself) */

  /* main context only */
  gulong probe;
  guint timeout;
  gboolean owned;              /* the owner has not freed it */
  DslTeeBranchUnlinkedFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
};

static DslTeeBranch *
branch_ref (DslTeeBranch * self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

static void
branch_unref (gpointer data)
{
  DslTeeBranch *self = data;

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_mutex_clear (&self->lock);
  gst_object_unref (self->tee_pad);
  gst_object_unref (self->tee);
  g_free (self);
}

DslTeeBranch *
dsl_tee_branch_new (GstElement * tee, GstPad * sink_pad)
{
  DslTeeBranch *self;
  GstPad *tee_pad;
  GstPadLinkReturn link;

  g_return_val_if_fail (GST_IS_ELEMENT (tee), NULL);
  g_return_val_if_fail (GST_IS_PAD (sink_pad), NULL);
  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (!tee_pad) {
    GST_ERROR_OBJECT (tee, "no request pad");
    return NULL;
  }
  link = gst_pad_link (tee_pad, sink_pad);
  if (link != GST_PAD_LINK_OK) {
    GST_ERROR_OBJECT (tee, "cannot link %" GST_PTR_FORMAT ": %s", sink_pad,
        gst_pad_link_get_name (link));
    gst_element_release_request_pad (tee, tee_pad);
    gst_object_unref (tee_pad);
    return NULL;
  }
  self = g_new0 (DslTeeBranch, 1);
  self->ref_count = 1;
  self->owned = TRUE;
  self->tee = gst_object_ref (tee);
  self->tee_pad = tee_pad;
  g_mutex_init (&self->lock);
  return self;
}

/* Any thread; returns TRUE if this call unlinked the pad. */
static gboolean
unlink_pad (DslTeeBranch * self)
{
  GstPad *peer;

  if (self->state != BRANCH_LINKED && self->state != BRANCH_UNLINKING)
    return FALSE;
  if ((peer = gst_pad_get_peer (self->tee_pad))) {
    gst_pad_unlink (self->tee_pad, peer);
    gst_object_unref (peer);
  }
  self->state = BRANCH_UNLINKED;
  return TRUE;
}

/* Main context: the pad is unlinked; release it and tell the owner. */
static void
finish (DslTeeBranch * self)
{
  DslTeeBranchUnlinkedFunc func;
  gpointer user_data;
  GDestroyNotify destroy;

  g_mutex_lock (&self->lock);
  if (self->state == BRANCH_DONE) {
    g_mutex_unlock (&self->lock);
    return;
  }
  unlink_pad (self);
  self->state = BRANCH_DONE;
  self->armed = FALSE;
  /* under the lock: a probe that has not run finds DONE if it still does */
  if (self->probe && !self->fired)
    gst_pad_remove_probe (self->tee_pad, self->probe);
  self->probe = 0;
  g_mutex_unlock (&self->lock);

  if (self->timeout) {
    g_source_remove (self->timeout);
    self->timeout = 0;
  }
  gst_element_release_request_pad (self->tee, self->tee_pad);
  func = self->func;
  user_data = self->user_data;
  destroy = self->destroy;
  self->func = NULL;
  self->user_data = NULL;
  self->destroy = NULL;
  if (func)
    func (user_data);
  if (destroy)
    destroy (user_data);
}

static gboolean
finish_cb (gpointer data)
{
  finish (data);
  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer data)
{
  DslTeeBranch *self = data;

  self->timeout = 0;
  GST_WARNING_OBJECT (self->tee_pad, "no idle moment within %d ms: "
      "unlinking anyway", DSL_TEE_BRANCH_UNLINK_TIMEOUT_MS);
  finish (self);
  return G_SOURCE_REMOVE;
}

/* Any thread (the pad's streaming thread, or the caller's at once). */
static GstPadProbeReturn
idle_cb (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  DslTeeBranch *self = data;
  gboolean post;

  g_mutex_lock (&self->lock);
  self->fired = TRUE;
  post = unlink_pad (self) && self->armed;
  g_mutex_unlock (&self->lock);
  if (post)
    dsl_context_post (finish_cb, branch_ref (self), branch_unref);
  return GST_PAD_PROBE_REMOVE;
}

void
dsl_tee_branch_unlink (DslTeeBranch * self, DslTeeBranchUnlinkedFunc func,
    gpointer user_data, GDestroyNotify destroy)
{
  gulong probe;
  gboolean now;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->func == NULL && self->probe == 0
      && dsl_tee_branch_is_linked (self));
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;
  g_mutex_lock (&self->lock);
  self->state = BRANCH_UNLINKING;
  g_mutex_unlock (&self->lock);

  /* the probe may run inside this call, or at once on a streaming thread */
  probe = gst_pad_add_probe (self->tee_pad, GST_PAD_PROBE_TYPE_IDLE, idle_cb,
      branch_ref (self), branch_unref);
  g_mutex_lock (&self->lock);
  now = self->state == BRANCH_UNLINKED;
  if (!now) {
    self->armed = TRUE;
    self->probe = probe;
  }
  g_mutex_unlock (&self->lock);
  if (now) {
    finish (self);
    return;
  }
  self->timeout = dsl_context_timeout (DSL_TEE_BRANCH_UNLINK_TIMEOUT_MS,
      timeout_cb, branch_ref (self), branch_unref);
}

static BranchState
get_state (DslTeeBranch * self)
{
  BranchState state;

  g_mutex_lock (&self->lock);
  state = self->state;
  g_mutex_unlock (&self->lock);
  return state;
}

void
dsl_tee_branch_unlink_now (DslTeeBranch * self)
{
  g_return_if_fail (self != NULL);
  finish (self);
}

gboolean
dsl_tee_branch_is_linked (DslTeeBranch * self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return get_state (self) != BRANCH_DONE;
}

void
dsl_tee_branch_free (DslTeeBranch * self)
{
  if (!self)
    return;
  g_return_if_fail (self->owned);
  self->owned = FALSE;
  if (get_state (self) == BRANCH_LINKED)
    finish (self);
  branch_unref (self);
}
