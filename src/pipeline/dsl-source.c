/* dsl-source.c - Source components (see dsl-source.h). */
#include "pipeline/dsl-source.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"
#include "pipeline/dsl-timecode.h"

#define GST_CAT_DEFAULT dsl_pipeline_debug

/* The font of the test pattern's clock; textoverlay scales it with the
 * frame size (auto-resize), relative to 640x480. */
#define TEST_PATTERN_CLOCK_FONT "Sans Bold 32"

/* Duration assumed for a decoded frame that carries none, when the
 * previous frame gives no hint either. */
#define FALLBACK_FRAME_DURATION (GST_SECOND / 30)

typedef struct
{
  DslComponent base;

  /* Test pattern only: the time code probe on the bin's output. */
  GstPad *output;                  /* the element pad behind the ghost */
  gulong timecode_probe;

  /* Decoding sources (file, uri) only. */
  GstElement *decodebin;           /* uridecodebin, owned by the bin */
  GstPad *video_pad;               /* clocksync's sink pad (reference) */
  gboolean repeat;

  /* Loop state, shared by the streaming thread (probe, pad-added) and the
   * main context (the seek). */
  GMutex lock;
  gboolean have_segment;           /* the one segment went downstream */
  gboolean rebase;                 /* the next buffer starts a new loop */
  GstClockTimeDiff offset;         /* added to the timestamps of this loop */
  GstClockTime loop_end;           /* output end time of the last frame */
  GstClockTime last_pts;           /* output pts of the last frame */
  guint64 frames_in_loop;
  gboolean seek_pending;
  gboolean pass_eos;               /* looping failed: let EOS out */
  guint loops;
} DslSource;

static void
source_finalize (DslComponent * component)
{
  DslSource *self = (DslSource *) component;

  gst_element_set_state (component->bin, GST_STATE_NULL);
  if (self->decodebin)
    g_signal_handlers_disconnect_by_data (self->decodebin, self);
  if (self->video_pad)
    gst_object_unref (self->video_pad);
  if (self->output) {
    dsl_timecode_remove (self->output, self->timecode_probe);
    gst_object_unref (self->output);
  }
  g_mutex_clear (&self->lock);
}

static const DslComponentClass test_pattern_class = {
  .type_name = "test-pattern-source",
  .role = DSL_COMPONENT_SOURCE,
  .finalize = source_finalize,
};

static const DslComponentClass file_class = {
  .type_name = "file-source",
  .role = DSL_COMPONENT_SOURCE,
  .finalize = source_finalize,
};

static const DslComponentClass uri_class = {
  .type_name = "uri-source",
  .role = DSL_COMPONENT_SOURCE,
  .finalize = source_finalize,
};

static const DslComponentClass v4l2_class = {
  .type_name = "v4l2-source",
  .role = DSL_COMPONENT_SOURCE,
  .finalize = source_finalize,
};

gboolean
dsl_source_is_source (DslComponent * component)
{
  return component && (component->klass == &test_pattern_class
      || component->klass == &file_class || component->klass == &uri_class
      || component->klass == &v4l2_class);
}

/* Creates the elements of a bin; on any failure releases them all. */
static gboolean
make_elements (const gchar * source_name, GstElement ** elements,
    const gchar * const *factories, guint n)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < n; i++) {
    elements[i] = gst_element_factory_make (factories[i], NULL);
    if (!elements[i]) {
      GST_ERROR ("source '%s': the GStreamer element '%s' is not available",
          source_name, factories[i]);
      ok = FALSE;
    }
  }
  if (!ok) {
    for (guint i = 0; i < n; i++)
      if (elements[i])
        gst_object_unref (gst_object_ref_sink (elements[i]));
  }
  return ok;
}

/* Adds a ghost "src" pad to bin, targeting element's "src" pad. */
static void
add_ghost_src (GstElement * bin, GstElement * element)
{
  GstPad *target = gst_element_get_static_pad (element, "src");

  gst_element_add_pad (bin, gst_ghost_pad_new ("src", target));
  gst_object_unref (target);
}

/* Wraps bin into a new source and registers it. */
static DslSource *
source_new (const DslComponentClass * klass, const gchar * name,
    GstElement * bin)
{
  DslSource *self = g_new0 (DslSource, 1);

  g_mutex_init (&self->lock);
  dsl_component_init (&self->base, klass, name, bin);
  return self;
}

static DslReturnType
source_register (DslSource * self)
{
  dsl_component_register (&self->base);
  GST_INFO ("new %s '%s'", self->base.klass->type_name, self->base.name);
  dsl_component_unref (&self->base);
  return DSL_RESULT_SUCCESS;
}

/* ---------------------------------------------------------------------
 * Test pattern
 * ------------------------------------------------------------------ */

DslReturnType
dsl_source_test_pattern_create (const gchar * name, guint width,
    guint height, guint fps_n, guint fps_d, gboolean clock_enabled)
{
  static const gchar *const factories[] = { "videotestsrc", "capsfilter",
    "clockoverlay"
  };
  GstElement *e[3] = { NULL, };
  GstElement *bin, *last;
  GstCaps *caps;
  DslSource *self;

  if (dsl_component_name_in_use (name)) {
    GST_ERROR ("source name '%s' is not unique", name);
    return DSL_RESULT_SOURCE_NAME_NOT_UNIQUE;
  }
  if (width == 0 || height == 0 || fps_n == 0 || fps_d == 0
      || width > G_MAXINT || height > G_MAXINT || fps_n > G_MAXINT
      || fps_d > G_MAXINT) {
    GST_ERROR ("test pattern source '%s': invalid size %ux%u or frame rate "
        "%u/%u", name, width, height, fps_n, fps_d);
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  if (!make_elements (name, e, factories, clock_enabled ? 3 : 2))
    return DSL_RESULT_SOURCE_THREW_EXCEPTION;

  g_object_set (e[0], "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (e[0]), "pattern", "smpte");

  caps = gst_caps_new_simple ("video/x-raw",
      "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, (gint) width,
      "height", G_TYPE_INT, (gint) height,
      "framerate", GST_TYPE_FRACTION, (gint) fps_n, (gint) fps_d,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (e[1], "caps", caps, NULL);
  gst_caps_unref (caps);

  bin = gst_bin_new (name);
  gst_bin_add_many (GST_BIN (bin), e[0], e[1], NULL);
  gst_element_link (e[0], e[1]);
  if (clock_enabled) {
    gst_util_set_object_arg (G_OBJECT (e[2]), "halignment", "left");
    gst_util_set_object_arg (G_OBJECT (e[2]), "valignment", "top");
    g_object_set (e[2], "font-desc", TEST_PATTERN_CLOCK_FONT,
        "shaded-background", TRUE, "time-format", "%H:%M:%S", NULL);
    gst_bin_add (GST_BIN (bin), e[2]);
    gst_element_link (e[1], e[2]);
  }
  last = clock_enabled ? e[2] : e[1];
  add_ghost_src (bin, last);

  self = source_new (&test_pattern_class, name, bin);
  self->output = gst_element_get_static_pad (last, "src");
  return source_register (self);
}

DslReturnType
dsl_source_test_pattern_set_timecode (const gchar * name, gboolean enabled)
{
  DslComponent *component = dsl_component_find (name);
  DslSource *self = (DslSource *) component;

  if (!component) {
    GST_ERROR ("source '%s' was not found", name);
    return DSL_RESULT_SOURCE_NAME_NOT_FOUND;
  }
  if (component->klass != &test_pattern_class) {
    GST_ERROR ("'%s' is not a test pattern source", name);
    return DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE;
  }
  if (enabled && !self->timecode_probe)
    self->timecode_probe = dsl_timecode_add (self->output);
  else if (!enabled && self->timecode_probe) {
    dsl_timecode_remove (self->output, self->timecode_probe);
    self->timecode_probe = 0;
  }
  GST_INFO ("test pattern '%s': time code %s", name, enabled ? "on" : "off");
  return DSL_RESULT_SUCCESS;
}

/* ---------------------------------------------------------------------
 * Decoding sources (file, uri)
 * ------------------------------------------------------------------ */

/* Resets the loop state for a fresh start of the stream. Lock held. */
static void
reset_loop_state (DslSource * self)
{
  self->have_segment = FALSE;
  self->rebase = FALSE;
  self->offset = 0;
  self->loop_end = GST_CLOCK_TIME_NONE;
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->frames_in_loop = 0;
  self->seek_pending = FALSE;
  self->pass_eos = FALSE;
}

static GstPadProbeReturn repeat_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data);

static void
on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  DslSource *self = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *media = "";
  GstPadLinkReturn ret;

  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && !gst_caps_is_empty (caps) && !gst_caps_is_any (caps))
    media = gst_structure_get_name (gst_caps_get_structure (caps, 0));

  if (!g_str_equal (media, "video/x-raw")) {
    GST_INFO ("source '%s': ignoring stream %s:%s (%s)", self->base.name,
        GST_DEBUG_PAD_NAME (pad), media);
  } else if (gst_pad_is_linked (self->video_pad)) {
    GST_INFO ("source '%s': ignoring another video stream %s:%s",
        self->base.name, GST_DEBUG_PAD_NAME (pad));
  } else {
    g_mutex_lock (&self->lock);
    reset_loop_state (self);
    g_mutex_unlock (&self->lock);
    /* On the decoder's pad, where flushes are contained: a sink pad would
     * apply a flush to itself before its probes see it. */
    if (self->repeat)
      gst_pad_add_probe (pad,
          GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
          GST_PAD_PROBE_TYPE_EVENT_FLUSH, repeat_probe, self, NULL);
    ret = gst_pad_link (pad, self->video_pad);
    if (ret != GST_PAD_LINK_OK)
      GST_WARNING ("source '%s': cannot link the video stream: %s",
          self->base.name, gst_pad_link_get_name (ret));
    else
      GST_DEBUG ("source '%s': video stream linked", self->base.name);
  }
  if (caps)
    gst_caps_unref (caps);
}

static void
on_no_more_pads (GstElement * decodebin, gpointer user_data)
{
  DslSource *self = user_data;
  GError *err;

  if (gst_pad_is_linked (self->video_pad))
    return;
  err = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
      "Source '%s': the stream has no video that can be decoded",
      self->base.name);
  gst_element_post_message (self->base.bin,
      gst_message_new_error (GST_OBJECT (self->base.bin), err, NULL));
  g_error_free (err);
}

/* Main context: seeks the decoder back to the start for the next loop. */
static gboolean
repeat_seek (gpointer user_data)
{
  DslSource *self = user_data;
  GstState state = GST_STATE_NULL;
  gboolean pending;
  GstEvent *seek;

  g_mutex_lock (&self->lock);
  pending = self->seek_pending;
  self->seek_pending = FALSE;
  g_mutex_unlock (&self->lock);

  gst_element_get_state (self->base.bin, &state, NULL, 0);
  if (!pending || state < GST_STATE_PAUSED)
    return G_SOURCE_REMOVE;

  self->loops++;
  GST_DEBUG ("source '%s': end of file, starting loop %u", self->base.name,
      self->loops + 1);
  seek = gst_event_new_seek (1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH,
      GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  if (!gst_pad_push_event (self->video_pad, seek)) {
    GST_WARNING ("source '%s': the file cannot be sought back to its start; "
        "ending the stream instead of repeating", self->base.name);
    g_mutex_lock (&self->lock);
    self->pass_eos = TRUE;
    g_mutex_unlock (&self->lock);
    gst_pad_send_event (self->video_pad, gst_event_new_eos ());
  }
  return G_SOURCE_REMOVE;
}

/* Shifts one buffer of the current loop. Lock held. */
static GstBuffer *
shift_buffer (DslSource * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), dur;

  if (self->rebase && GST_CLOCK_TIME_IS_VALID (pts)) {
    if (GST_CLOCK_TIME_IS_VALID (self->loop_end))
      self->offset = GST_CLOCK_DIFF (pts, self->loop_end);
    self->rebase = FALSE;
  }
  if (self->offset != 0) {
    buf = gst_buffer_make_writable (buf);
    if (GST_CLOCK_TIME_IS_VALID (pts))
      GST_BUFFER_PTS (buf) = (GstClockTime) MAX (0,
          (GstClockTimeDiff) pts + self->offset);
    if (GST_BUFFER_DTS_IS_VALID (buf))
      GST_BUFFER_DTS (buf) = (GstClockTime) MAX (0,
          (GstClockTimeDiff) GST_BUFFER_DTS (buf) + self->offset);
  }

  pts = GST_BUFFER_PTS (buf);
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    dur = GST_BUFFER_DURATION (buf);
    if (!GST_CLOCK_TIME_IS_VALID (dur))
      dur = (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts > self->last_pts)
          ? pts - self->last_pts : FALLBACK_FRAME_DURATION;
    if (!GST_CLOCK_TIME_IS_VALID (self->loop_end)
        || pts + dur > self->loop_end)
      self->loop_end = pts + dur;
    self->last_pts = pts;
  }
  self->frames_in_loop++;
  return buf;
}

static gboolean
shift_list_item (GstBuffer ** buf, guint idx, gpointer user_data)
{
  *buf = shift_buffer (user_data, *buf);
  return TRUE;
}

/* On the decoder's video pad of a repeating source: one segment, one
 * stream, no flush and no EOS leave the bin; timestamps keep increasing. */
static GstPadProbeReturn
repeat_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  DslSource *self = user_data;
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;
  GstEvent *event;
  GstSegment segment;

  g_mutex_lock (&self->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GST_PAD_PROBE_INFO_DATA (info) =
        shift_buffer (self, GST_PAD_PROBE_INFO_BUFFER (info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);

    list = gst_buffer_list_make_writable (list);
    gst_buffer_list_foreach (list, shift_list_item, self);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  } else if (info->type & (GST_PAD_PROBE_TYPE_EVENT_BOTH |
          GST_PAD_PROBE_TYPE_EVENT_FLUSH)) {
    event = GST_PAD_PROBE_INFO_EVENT (info);
    switch (GST_EVENT_TYPE (event)) {
      case GST_EVENT_FLUSH_START:
      case GST_EVENT_FLUSH_STOP:
        ret = GST_PAD_PROBE_DROP;
        break;
      case GST_EVENT_SEGMENT:
        if (self->have_segment) {
          ret = GST_PAD_PROBE_DROP;
          break;
        }
        /* The stream goes on past the file's end: open the segment. */
        gst_event_copy_segment (event, &segment);
        segment.stop = GST_CLOCK_TIME_NONE;
        segment.duration = GST_CLOCK_TIME_NONE;
        GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_segment (&segment);
        gst_event_unref (event);
        self->have_segment = TRUE;
        break;
      case GST_EVENT_EOS:
        if (self->pass_eos || self->frames_in_loop == 0)
          break;
        self->rebase = TRUE;
        self->frames_in_loop = 0;
        if (!self->seek_pending) {
          self->seek_pending = TRUE;
          dsl_context_post (repeat_seek, dsl_component_ref (&self->base),
              (GDestroyNotify) dsl_component_unref);
        }
        ret = GST_PAD_PROBE_DROP;
        break;
      default:
        break;
    }
  }
  g_mutex_unlock (&self->lock);
  return ret;
}

static DslReturnType
decode_source_create (const DslComponentClass * klass, const gchar * name,
    const gchar * uri, gboolean repeat, gboolean sync)
{
  static const gchar *const factories[] = { "uridecodebin", "clocksync" };
  GstElement *e[2] = { NULL, };
  GstElement *bin;
  GstCaps *caps;
  DslSource *self;

  if (!make_elements (name, e, factories, 2))
    return DSL_RESULT_SOURCE_THREW_EXCEPTION;

  /* Video only: other streams are neither decoded nor exposed. */
  caps = gst_caps_from_string ("video/x-raw(ANY)");
  g_object_set (e[0], "uri", uri, "caps", caps, "expose-all-streams", FALSE,
      NULL);
  gst_caps_unref (caps);
  /* Real-time pace, whatever the sinks do. */
  g_object_set (e[1], "sync", sync, NULL);

  bin = gst_bin_new (name);
  gst_bin_add_many (GST_BIN (bin), e[0], e[1], NULL);
  add_ghost_src (bin, e[1]);

  self = source_new (klass, name, bin);
  self->decodebin = e[0];
  self->video_pad = gst_element_get_static_pad (e[1], "sink");
  self->repeat = repeat;
  reset_loop_state (self);
  g_signal_connect (e[0], "pad-added", G_CALLBACK (on_pad_added), self);
  g_signal_connect (e[0], "no-more-pads", G_CALLBACK (on_no_more_pads),
      self);

  GST_DEBUG ("source '%s': uri %s%s", name, uri, repeat ? ", repeating" : "");
  return source_register (self);
}

DslReturnType
dsl_source_file_create (const gchar * name, const gchar * file_path,
    gboolean repeat_enabled)
{
  g_autofree gchar *uri = NULL;
  g_autoptr (GError) err = NULL;

  if (dsl_component_name_in_use (name)) {
    GST_ERROR ("source name '%s' is not unique", name);
    return DSL_RESULT_SOURCE_NAME_NOT_UNIQUE;
  }
  if (!g_file_test (file_path, G_FILE_TEST_IS_REGULAR)) {
    GST_ERROR ("file source '%s': file '%s' was not found", name, file_path);
    return DSL_RESULT_SOURCE_FILE_NOT_FOUND;
  }
  uri = gst_filename_to_uri (file_path, &err);
  if (!uri) {
    GST_ERROR ("file source '%s': '%s': %s", name, file_path, err->message);
    return DSL_RESULT_SOURCE_FILE_NOT_FOUND;
  }
  return decode_source_create (&file_class, name, uri, repeat_enabled, TRUE);
}

DslReturnType
dsl_source_uri_create (const gchar * name, const gchar * uri,
    gboolean is_live, guint skip_frames, guint drop_frame_interval)
{
  g_autofree gchar *protocol = NULL;
  g_autofree gchar *path = NULL;

  if (dsl_component_name_in_use (name)) {
    GST_ERROR ("source name '%s' is not unique", name);
    return DSL_RESULT_SOURCE_NAME_NOT_UNIQUE;
  }
  if (!gst_uri_is_valid (uri)) {
    GST_ERROR ("uri source '%s': '%s' is not a valid URI", name, uri);
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  protocol = gst_uri_get_protocol (uri);
  if (!gst_uri_protocol_is_supported (GST_URI_SRC, protocol)) {
    GST_ERROR ("uri source '%s': no GStreamer source handles '%s' URIs",
        name, protocol);
    return DSL_RESULT_INVALID_INPUT_PARAM;
  }
  if (g_ascii_strcasecmp (protocol, "file") == 0) {
    path = g_filename_from_uri (uri, NULL, NULL);
    if (!path || !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      GST_ERROR ("uri source '%s': file '%s' was not found", name, uri);
      return DSL_RESULT_SOURCE_FILE_NOT_FOUND;
    }
  }
  if (skip_frames || drop_frame_interval)
    GST_WARNING ("uri source '%s': skip_frames=%u and drop_frame_interval=%u "
        "are accepted but not applied", name, skip_frames,
        drop_frame_interval);
  /* A live stream is paced by its sender already. */
  return decode_source_create (&uri_class, name, uri, FALSE, !is_live);
}

/* ---------------------------------------------------------------------
 * V4L2
 * ------------------------------------------------------------------ */

DslReturnType
dsl_source_v4l2_create (const gchar * name, const gchar * device_location)
{
  static const gchar *const factories[] = { "v4l2src", "videoconvert" };
  GstElement *e[2] = { NULL, };
  GstElement *bin;

  if (dsl_component_name_in_use (name)) {
    GST_ERROR ("source name '%s' is not unique", name);
    return DSL_RESULT_SOURCE_NAME_NOT_UNIQUE;
  }
  if (!make_elements (name, e, factories, 2))
    return DSL_RESULT_SOURCE_THREW_EXCEPTION;

  g_object_set (e[0], "device", device_location, NULL);
  bin = gst_bin_new (name);
  gst_bin_add_many (GST_BIN (bin), e[0], e[1], NULL);
  gst_element_link (e[0], e[1]);
  add_ghost_src (bin, e[1]);

  return source_register (source_new (&v4l2_class, name, bin));
}
