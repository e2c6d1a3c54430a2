/* dsl-pad-util.c */
#include "core/dsl-pad-util.h"

typedef struct
{
  gint ref_count;
  GMutex lock;
  GCond cond;
  gboolean unlinked;
} Unlink;

static void
unlink_unref (gpointer data)
{
  Unlink *u = data;

  if (!g_atomic_int_dec_and_test (&u->ref_count))
    return;
  g_mutex_clear (&u->lock);
  g_cond_clear (&u->cond);
  g_free (u);
}

static void
unlink_now (GstPad * pad, Unlink * u)
{
  GstPad *peer;

  g_mutex_lock (&u->lock);
  if (!u->unlinked && (peer = gst_pad_get_peer (pad))) {
    gst_pad_unlink (pad, peer);
    gst_object_unref (peer);
  }
  u->unlinked = TRUE;
  g_cond_broadcast (&u->cond);
  g_mutex_unlock (&u->lock);
}

static GstPadProbeReturn
idle_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  unlink_now (pad, data);
  return GST_PAD_PROBE_REMOVE;
}

void
dsl_pad_unlink_when_idle (GstPad * src_pad, guint timeout_ms)
{
  Unlink *u = g_new0 (Unlink, 1);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gulong probe;

  u->ref_count = 2;
  g_mutex_init (&u->lock);
  g_cond_init (&u->cond);
  probe = gst_pad_add_probe (src_pad, GST_PAD_PROBE_TYPE_IDLE, idle_probe, u,
      unlink_unref);

  g_mutex_lock (&u->lock);
  while (!u->unlinked)
    if (!g_cond_wait_until (&u->cond, &u->lock, deadline))
      break;
  g_mutex_unlock (&u->lock);
  if (!u->unlinked) {
    GST_WARNING_OBJECT (src_pad, "no idle moment within %u ms: unlinking",
        timeout_ms);
    if (probe)
      gst_pad_remove_probe (src_pad, probe);
    unlink_now (src_pad, u);
  }
  unlink_unref (u);
}
