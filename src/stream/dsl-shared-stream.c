/* dsl-shared-stream.c */
#include "stream/dsl-shared-stream.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#include <gst/video/video.h>

#define GST_CAT_DEFAULT dsl_sink_debug

struct _DslSharedStream
{
  gint ref_count;
  gchar *name;
  DslPipeline *pipeline;           /* not a reference; NULL once released */
  DslStreamSettings settings;
  gconstpointer owner;             /* or NULL: shared */
  guint sinks;                     /* acquired references */
  guint viewers;
  GPtrArray *viewer_list;          /* the viewers' sessions (borrowed) */

  GstElement *bin;                 /* reference */
  GstElement *valve;               /* borrowed, in bin */
  GstElement *tee;                 /* borrowed, in bin */
  DslEncoderChain chain;
  DslTeeBranch *branch;            /* on the pipeline's tee */

  gint key_frame_requests;         /* atomic */
  gint key_frames;                 /* atomic */
};

/* Every stream whose sinks have not all released it (main context). */
static GPtrArray *streams;
static guint running;              /* streams with viewers */
static gint total_key_frames;      /* atomic: every stream's, ever */

static gboolean
settings_equal (const DslStreamSettings * a, const DslStreamSettings * b)
{
  return a->encoder == b->encoder && a->bitrate == b->bitrate
      && a->iframe_interval == b->iframe_interval && a->width == b->width
      && a->height == b->height;
}

/* any thread: upstream events from the viewers' branches (their RTCP
 * PLI/FIR, turned into key-unit requests by their rtpsession) */
static GstPadProbeReturn
key_request_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  DslSharedStream *self = data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    g_atomic_int_inc (&self->key_frame_requests);
  return GST_PAD_PROBE_OK;
}

/* streaming thread: what the encoder makes */
static GstPadProbeReturn
key_frame_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  DslSharedStream *self = data;

  if (!GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
          GST_BUFFER_FLAG_DELTA_UNIT)) {
    g_atomic_int_inc (&self->key_frames);
    g_atomic_int_inc (&total_key_frames);
  }
  return GST_PAD_PROBE_OK;
}

static DslSharedStream *
stream_new (DslPipeline * pipeline, const DslStreamSettings * settings,
    gconstpointer owner)
{
  static guint serial;
  DslSharedStream *self;
  DslEncoderChain chain;
  g_autofree gchar *name = g_strdup_printf ("%s-stream-%u",
      dsl_pipeline_get_name (pipeline), ++serial);
  GstElement *bin, *queue, *valve, *tee;
  GstPad *pad;

  if (!dsl_encoder_chain_make (settings->encoder, settings->bitrate,
          settings->iframe_interval, name, &chain))
    return NULL;
  dsl_encoder_chain_set_dimensions (&chain, settings->width,
      settings->height);
  bin = gst_bin_new (name);
  queue = gst_element_factory_make ("queue", NULL);
  /* the encoder never holds the raw tee (and the other sinks) back */
  g_object_set (queue, "leaky", 2, "max-size-buffers", 3, "max-size-bytes", 0,
      "max-size-time", (guint64) 0, NULL);
  valve = gst_element_factory_make ("valve", NULL);
  g_object_set (valve, "drop", TRUE, NULL);
  tee = gst_element_factory_make ("tee", NULL);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (GST_BIN (bin), queue, valve, chain.bin, tee, NULL);
  gst_element_link_many (queue, valve, chain.bin, tee, NULL);
  pad = gst_element_get_static_pad (queue, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);

  self = g_new0 (DslSharedStream, 1);
  self->ref_count = 1;
  self->name = g_steal_pointer (&name);
  self->pipeline = pipeline;
  self->settings = *settings;
  self->viewer_list = g_ptr_array_new ();
  self->owner = owner;
  self->bin = gst_object_ref_sink (bin);
  self->valve = valve;
  self->tee = tee;
  self->chain = chain;

  pad = gst_element_get_static_pad (tee, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      key_request_probe, self, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (chain.encoder, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, key_frame_probe, self,
      NULL);
  gst_object_unref (pad);

  self->branch = dsl_pipeline_add_branch (pipeline, self->bin);
  if (!self->branch) {
    dsl_shared_stream_unref (self);
    return NULL;
  }
  GST_INFO ("%s: new %s stream (%u bit/s, key frames every %u, %ux%u)%s",
      self->name, chain.encoding_name, settings->bitrate,
      settings->iframe_interval, settings->width, settings->height,
      owner ? ", not shared" : "");
  return self;
}

DslSharedStream *
dsl_shared_stream_acquire (DslPipeline * pipeline,
    const DslStreamSettings * settings, gconstpointer owner)
{
  DslSharedStream *self = NULL;

  g_return_val_if_fail (pipeline != NULL && settings != NULL, NULL);
  if (!streams)
    streams = g_ptr_array_new ();
  for (guint i = 0; i < streams->len && !self; i++) {
    DslSharedStream *s = g_ptr_array_index (streams, i);

    if (s->pipeline == pipeline && s->owner == owner
        && settings_equal (&s->settings, settings))
      self = s;
  }
  if (!self) {
    self = stream_new (pipeline, settings, owner);
    if (!self)
      return NULL;
    g_ptr_array_add (streams, self);     /* the registry's reference */
  }
  self->sinks++;
  GST_DEBUG ("%s: %u sinks", self->name, self->sinks);
  return dsl_shared_stream_ref (self);
}

void
dsl_shared_stream_release (DslSharedStream * self)
{
  g_return_if_fail (self != NULL && self->sinks > 0);
  if (--self->sinks == 0) {
    GST_INFO ("%s: no sink left: leaving the pipeline", self->name);
    g_ptr_array_remove (streams, self);
    self->pipeline = NULL;
    dsl_pipeline_remove_branch (g_steal_pointer (&self->branch), self->bin);
    dsl_shared_stream_unref (self);      /* the registry's */
  }
  dsl_shared_stream_unref (self);
}

DslSharedStream *
dsl_shared_stream_ref (DslSharedStream * self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
dsl_shared_stream_unref (DslSharedStream * self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  GST_DEBUG ("%s: freed", self->name);
  g_warn_if_fail (self->branch == NULL);
  g_ptr_array_unref (self->viewer_list);
  gst_object_unref (self->bin);
  g_free (self->name);
  g_free (self);
}

void
dsl_shared_stream_add_viewer (DslSharedStream * self, gpointer viewer)
{
  g_ptr_array_add (self->viewer_list, viewer);
  if (self->viewers++ == 0) {
    running++;
    g_object_set (self->valve, "drop", FALSE, NULL);
    GST_INFO ("%s: first viewer: encoding", self->name);
  }
  /* No key frame asked for here: what goes out before the viewer's
   * DTLS-SRTP is up never reaches it, so its session asks once it is
   * connected (and the encoder's first frame is a key frame anyway). A
   * request now would only push the useful one back by the encoder's
   * min-force-key-unit-interval. */
}

void
dsl_shared_stream_remove_viewer (DslSharedStream * self, gpointer viewer)
{
  g_return_if_fail (self->viewers > 0);
  g_ptr_array_remove (self->viewer_list, viewer);
  if (--self->viewers == 0) {
    running--;
    g_object_set (self->valve, "drop", TRUE, NULL);
    GST_INFO ("%s: no viewer left: encoder idle", self->name);
  }
}

void
dsl_shared_stream_foreach_viewer (DslSharedStream * self, GFunc func,
    gpointer data)
{
  g_autoptr (GPtrArray) snapshot = g_ptr_array_copy (self->viewer_list,
      NULL, NULL);

  g_ptr_array_foreach (snapshot, func, data);
}

guint
dsl_shared_stream_get_viewers (DslSharedStream * self)
{
  return self->viewers;
}

void
dsl_shared_stream_request_key_frame (DslSharedStream * self)
{
  dsl_encoder_chain_request_key_frame (&self->chain);
}

GstBin *
dsl_shared_stream_get_bin (DslSharedStream * self)
{
  return GST_BIN (self->bin);
}

GstElement *
dsl_shared_stream_get_tee (DslSharedStream * self)
{
  return self->tee;
}

const DslEncoderChain *
dsl_shared_stream_get_chain (DslSharedStream * self)
{
  return &self->chain;
}

guint
dsl_shared_stream_get_viewer_key_frame_requests (DslSharedStream * self)
{
  return (guint) g_atomic_int_get (&self->key_frame_requests);
}

guint
dsl_shared_stream_get_key_frames (DslSharedStream * self)
{
  return (guint) g_atomic_int_get (&self->key_frames);
}

guint
dsl_shared_stream_count (void)
{
  return streams ? streams->len : 0;
}

guint
dsl_shared_stream_get_total_key_frames (void)
{
  return (guint) g_atomic_int_get (&total_key_frames);
}

guint
dsl_shared_stream_count_running (void)
{
  return running;
}
