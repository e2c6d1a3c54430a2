/* test-pipeline.c - Pipelines, Components, Sources and the Fake Sink:
 * result codes, data flow, dynamic sinks, listeners, files that end and
 * files that loop, and calls from another thread. */
#include "DslApi.h"
#include "dsl-test-support.h"
#include "core/dsl-context.h"
#include "pipeline/dsl-component.h"
#include "pipeline/dsl-pipeline.h"
#include "pipeline/dsl-sink-fake.h"

#include <gst/gst.h>
#include <glib/gstdio.h>

#define TIMEOUT_MS 10000

/* The generated media file: FILE_FRAMES frames at 30 fps, plus audio. */
#define FILE_FRAMES 30
static gchar *tmp_dir;
static gchar *media_path;

/* ------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------- */

/* Conditions on streaming-thread counters: checked every 10 ms. */
#define wait_until dsl_test_poll_until

static DslComponent *
component (const gchar * name)
{
  DslComponent *c;

  dsl_context_enter ();
  c = dsl_component_find (name);
  dsl_context_leave ();
  return c;
}

static guint64
buffers (const gchar * sink)
{
  return dsl_sink_fake_get_buffer_count (component (sink));
}

typedef struct
{
  const gchar *sink;
  guint64 target;
} BufferTarget;

static gboolean
has_buffers (gpointer data)
{
  BufferTarget *t = data;

  return buffers (t->sink) >= t->target;
}

/* Waits until sink got n more buffers than it has now. */
static gboolean
wait_more_buffers (const gchar * sink, guint64 n)
{
  BufferTarget t = { sink, buffers (sink) + n };

  return wait_until (has_buffers, &t, TIMEOUT_MS);
}

static guint
state_of (const wchar_t * pipeline)
{
  uint state = 0;

  g_assert_cmpuint (dsl_pipeline_state_get (pipeline, &state), ==,
      DSL_RESULT_SUCCESS);
  return state;
}

static void
assert_clean (void)
{
  dsl_delete_all ();
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 0);
  g_assert_cmpuint (dsl_component_list_size (), ==, 0);
}

/* Test pattern source "src" and fake sink "sink" in pipeline "p". */
static void
make_simple_pipeline (void)
{
  const wchar_t *components[] = { L"src", L"sink", NULL };

  g_assert_cmpuint (dsl_source_test_pattern_new (L"src", 320, 240, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p", components),
      ==, DSL_RESULT_SUCCESS);
}

/* Records the timestamps a fake sink receives. */
typedef struct
{
  GMutex lock;
  guint64 count;
  guint64 not_increasing;
  GstClockTime last_pts;
  GstClockTime max_gap;
} PtsRecord;

static GstPadProbeReturn
record_pts (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  PtsRecord *r = data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&r->lock);
  if (GST_CLOCK_TIME_IS_VALID (r->last_pts) && (!GST_CLOCK_TIME_IS_VALID (pts)
          || pts <= r->last_pts))
    r->not_increasing++;
  else if (GST_CLOCK_TIME_IS_VALID (r->last_pts) && pts - r->last_pts > r->max_gap)
    r->max_gap = pts - r->last_pts;
  r->last_pts = pts;
  r->count++;
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

static gulong
watch_pts (const gchar * sink, PtsRecord * r)
{
  GstPad *pad = gst_element_get_static_pad (component (sink)->bin, "sink");
  gulong id;

  g_mutex_init (&r->lock);
  r->last_pts = GST_CLOCK_TIME_NONE;
  id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_pts, r,
      NULL);
  gst_object_unref (pad);
  return id;
}

static guint64
pts_count (PtsRecord * r)
{
  guint64 n;

  g_mutex_lock (&r->lock);
  n = r->count;
  g_mutex_unlock (&r->lock);
  return n;
}

/* Generates a short Matroska file: MJPEG video and raw audio, so the file
 * sources also meet a stream they must ignore. */
static void
generate_media (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *desc = NULL;
  GstElement *pipeline;
  GstBus *bus;
  GstMessage *msg;

  media_path = g_build_filename (tmp_dir, "clip.mkv", NULL);
  desc = g_strdup_printf ("videotestsrc num-buffers=%d pattern=ball ! "
      "video/x-raw,width=160,height=120,framerate=30/1 ! jpegenc ! "
      "matroskamux name=mux ! filesink location=\"%s\" "
      "audiotestsrc num-buffers=8 samplesperbuffer=1000 ! "
      "audio/x-raw,rate=8000,channels=1 ! mux.", FILE_FRAMES, media_path);
  pipeline = gst_parse_launch (desc, &err);
  g_assert_no_error (err);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_assert_true (g_file_test (media_path, G_FILE_TEST_IS_REGULAR));
}

/* ------------------------------------------------------------------
 * Result codes
 * --------------------------------------------------------------- */

static void
test_pipeline_new_delete (void)
{
  const wchar_t *names[] = { L"p2", L"p3", NULL };
  const wchar_t *dup[] = { L"p4", L"p2", L"p5", NULL };
  const wchar_t *del[] = { L"p3", L"nope", L"p4", NULL };

  g_assert_cmpuint (dsl_pipeline_new (L"p1"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new (L"p1"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_pipeline_new (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_pipeline_new_many (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_pipeline_new_many (names), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 3);
  /* stops at the first failure */
  g_assert_cmpuint (dsl_pipeline_new_many (dup), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 4);

  /* pipelines and components have separate namespaces */
  g_assert_cmpuint (dsl_sink_fake_new (L"p1"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_component_list_size (), ==, 1);

  g_assert_cmpuint (dsl_pipeline_state_get (L"nope", NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (state_of (L"p1"), ==, DSL_STATE_NULL);
  {
    uint state;

    g_assert_cmpuint (dsl_pipeline_state_get (L"nope", &state), ==,
        DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  }

  g_assert_cmpuint (dsl_pipeline_delete (L"p1"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_delete (L"p1"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_delete_many (del), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 2);   /* p2, p4 */
  g_assert_cmpuint (dsl_pipeline_delete_all (), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 0);
  g_assert_cmpuint (dsl_component_list_size (), ==, 1);
  assert_clean ();
}

static void
test_component_add_remove_codes (void)
{
  const wchar_t *add[] = { L"sink2", L"missing", L"sink3", NULL };
  const wchar_t *remove[] = { L"sink2", L"sink3", NULL };

  g_assert_cmpuint (dsl_pipeline_new_many ((const wchar_t *[]) { L"p",
              L"q", NULL }), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"src", 320, 240, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"src2", 320, 240, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink2"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink3"), ==, DSL_RESULT_SUCCESS);

  g_assert_cmpuint (dsl_pipeline_component_add (L"nope", L"sink"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"nope"), ==,
      DSL_RESULT_COMPONENT_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"src"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink"), ==,
      DSL_RESULT_COMPONENT_IN_USE);
  g_assert_cmpuint (dsl_pipeline_component_add (L"q", L"sink"), ==,
      DSL_RESULT_COMPONENT_IN_USE);
  g_assert_cmpuint (dsl_pipeline_component_add (L"q", L"src"), ==,
      DSL_RESULT_COMPONENT_IN_USE);
  /* one source per pipeline */
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"src2"), ==,
      DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED);
  /* add_many stops at the first failure */
  g_assert_cmpuint (dsl_pipeline_component_add_many (L"p", add), ==,
      DSL_RESULT_COMPONENT_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_component_add_many (L"p", NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_nonnull (component ("sink2")->pipeline);
  g_assert_null (component ("sink3")->pipeline);

  /* component delete while in use */
  g_assert_cmpuint (dsl_component_delete (L"sink"), ==,
      DSL_RESULT_COMPONENT_IN_USE);
  g_assert_cmpuint (dsl_component_delete (L"nope"), ==,
      DSL_RESULT_COMPONENT_NAME_NOT_FOUND);

  g_assert_cmpuint (dsl_pipeline_component_remove (L"nope", L"sink"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"nope"), ==,
      DSL_RESULT_COMPONENT_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"q", L"sink"), ==,
      DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink3"), ==,
      DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE);
  g_assert_cmpuint (dsl_pipeline_component_remove_many (L"p", remove), ==,
      DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE);
  g_assert_null (component ("sink2")->pipeline);

  /* a removed component can go elsewhere */
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink"), ==,
      DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE);
  g_assert_cmpuint (dsl_pipeline_component_add (L"q", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"src"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"q", L"src"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (component ("src")->pipeline != NULL);

  /* component deletion */
  g_assert_cmpuint (dsl_component_list_size (), ==, 5);
  g_assert_cmpuint (dsl_component_delete (L"sink2"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_component_delete_many ((const wchar_t *[]) {
              L"sink3", L"sink", L"src2", NULL }), ==,
      DSL_RESULT_COMPONENT_IN_USE);
  g_assert_cmpuint (dsl_component_list_size (), ==, 3);
  g_assert_cmpuint (dsl_component_delete_many (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  /* components still in a pipeline are left alone */
  g_assert_cmpuint (dsl_component_delete_all (), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_component_list_size (), ==, 2);
  assert_clean ();
}

static void
test_source_sink_codes (void)
{
  g_autofree gchar *missing = g_build_filename (tmp_dir, "missing.mp4", NULL);
  g_autofree wchar_t *wmissing = NULL;
  g_autofree gchar *missing_uri = g_strconcat ("file://", missing, NULL);
  g_autofree wchar_t *wmissing_uri = NULL;
  g_autofree gchar *media_uri = gst_filename_to_uri (media_path, NULL);
  g_autofree wchar_t *wmedia_uri = NULL;
  glong n;

  wmissing = (wchar_t *) g_utf8_to_ucs4 (missing, -1, NULL, &n, NULL);
  wmissing_uri = (wchar_t *) g_utf8_to_ucs4 (missing_uri, -1, NULL, &n, NULL);
  wmedia_uri = (wchar_t *) g_utf8_to_ucs4 (media_uri, -1, NULL, &n, NULL);

  g_assert_cmpuint (dsl_source_test_pattern_new (L"t", 0, 240, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"t", 320, 0, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"t", 320, 240, 0, 1,
          DSL_FALSE), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"t", 320, 240, 30, 0,
          DSL_FALSE), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_test_pattern_new (NULL, 320, 240, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_component_list_size (), ==, 0);

  g_assert_cmpuint (dsl_source_test_pattern_new (L"t", 320, 240, 30, 1,
          DSL_TRUE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"t", 320, 240, 30, 1,
          DSL_TRUE), ==, DSL_RESULT_SOURCE_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_sink_fake_new (L"t"), ==,
      DSL_RESULT_SINK_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_sink_fake_new (L"f"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"f"), ==,
      DSL_RESULT_SINK_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_sink_fake_new (NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_v4l2_new (L"f", L"/dev/video0"), ==,
      DSL_RESULT_SOURCE_NAME_NOT_UNIQUE);

  g_assert_cmpuint (dsl_source_file_new (L"file", wmissing, DSL_FALSE), ==,
      DSL_RESULT_SOURCE_FILE_NOT_FOUND);
  g_assert_cmpuint (dsl_source_file_new (L"file", NULL, DSL_FALSE), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_file_new (L"t", wmissing, DSL_FALSE), ==,
      DSL_RESULT_SOURCE_NAME_NOT_UNIQUE);

  g_assert_cmpuint (dsl_source_uri_new (L"uri", L"not a uri", DSL_FALSE, 0,
          0), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_uri_new (L"uri", L"nosuchscheme://x/y",
          DSL_FALSE, 0, 0), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_uri_new (L"uri", NULL, DSL_FALSE, 0, 0), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_source_uri_new (L"uri", wmissing_uri, DSL_FALSE, 0,
          0), ==, DSL_RESULT_SOURCE_FILE_NOT_FOUND);
  g_assert_cmpuint (dsl_source_uri_new (L"uri", wmedia_uri, DSL_FALSE, 1,
          2), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_uri_new (L"rtsp", L"rtsp://127.0.0.1:1/x",
          DSL_TRUE, 0, 0), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_uri_new (L"uri", wmedia_uri, DSL_FALSE, 0,
          0), ==, DSL_RESULT_SOURCE_NAME_NOT_UNIQUE);

  g_assert_cmpuint (dsl_source_v4l2_new (L"cam", L"/dev/video0"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_v4l2_new (L"cam", L"/dev/video1"), ==,
      DSL_RESULT_SOURCE_NAME_NOT_UNIQUE);
  g_assert_cmpuint (dsl_source_v4l2_new (L"cam2", NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_component_list_size (), ==, 5);
  assert_clean ();
}

static void
test_play_needs_source_and_sink (void)
{
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_new (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==,
      DSL_RESULT_PIPELINE_FAILED_TO_PLAY);
  g_assert_cmpuint (dsl_pipeline_pause (L"p"), ==,
      DSL_RESULT_PIPELINE_FAILED_TO_PAUSE);
  g_assert_cmpuint (dsl_source_test_pattern_new (L"src", 320, 240, 30, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"src"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==,
      DSL_RESULT_PIPELINE_FAILED_TO_PLAY);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"src"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==,
      DSL_RESULT_PIPELINE_FAILED_TO_PLAY);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_NULL);
  /* stopping a stopped pipeline is fine */
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_stop (L"nope"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_pause (L"nope"), ==,
      DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  assert_clean ();
}

/* ------------------------------------------------------------------
 * Data flow
 * --------------------------------------------------------------- */

static void
test_test_pattern_plays (void)
{
  GstCaps *caps;
  GstStructure *s;
  gint width = 0, height = 0, fps_n = 0, fps_d = 0;

  g_assert_cmpuint (dsl_source_test_pattern_new (L"src", 320, 240, 30, 1,
          DSL_TRUE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"src", L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 10));
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);

  caps = dsl_sink_fake_get_caps (component ("sink"));
  g_assert_nonnull (caps);
  s = gst_caps_get_structure (caps, 0);
  g_assert_cmpstr (gst_structure_get_name (s), ==, "video/x-raw");
  g_assert_true (gst_structure_get_int (s, "width", &width));
  g_assert_true (gst_structure_get_int (s, "height", &height));
  g_assert_true (gst_structure_get_fraction (s, "framerate", &fps_n, &fps_d));
  g_assert_cmpint (width, ==, 320);
  g_assert_cmpint (height, ==, 240);
  g_assert_cmpint (fps_n * 1, ==, 30 * fps_d);
  gst_caps_unref (caps);

  /* pause and resume */
  g_assert_cmpuint (dsl_pipeline_pause (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PAUSED);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));

  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_NULL);
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  assert_clean ();
}

/* Reads the time code (pipeline/dsl-timecode.h) back from an I420 frame:
 * the milliseconds, or -1 if the check byte does not match. */
static gint64
read_timecode (GstBuffer * buffer, gint width)
{
  GstMapInfo map;
  guint size = width / 40, bits[40];
  guint32 t = 0;
  guint8 check = 0, want;

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  for (guint i = 0; i < 40; i++) {
    guint sum = 0;

    for (guint y = size / 4; y < size / 4 + size / 2; y++)
      for (guint x = i * size + size / 4; x < i * size + size / 4 + size / 2;
          x++)
        sum += map.data[y * width + x];
    bits[i] = sum / (size / 2 * size / 2) >= 128;
  }
  gst_buffer_unmap (buffer, &map);
  for (guint i = 0; i < 32; i++)
    t = (t << 1) | bits[i];
  for (guint i = 32; i < 40; i++)
    check = (check << 1) | bits[i];
  want = (t >> 24) ^ (t >> 16) ^ (t >> 8) ^ t;
  return check == want ? (gint64) t : -1;
}

typedef struct
{
  gint valid;                     /* frames with a valid code (atomic) */
  gint code;                      /* the latest code (atomic) */
} TimecodeSeen;

static GstPadProbeReturn
timecode_seen (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  TimecodeSeen *seen = data;
  gint64 t = read_timecode (GST_PAD_PROBE_INFO_BUFFER (info), 320);

  if (t >= 0) {
    g_atomic_int_set (&seen->code, (gint) (guint32) t);
    g_atomic_int_inc (&seen->valid);
  }
  return GST_PAD_PROBE_OK;
}

/* The test pattern's time code carries the capture time, and stops when
 * it is turned off. */
static void
test_test_pattern_timecode (void)
{
  TimecodeSeen seen = { 0, 0 };
  GstPad *pad;
  gulong probe;
  guint32 now, code;

  g_assert_cmpuint (dsl_source_test_pattern_new (L"src", 320, 240, 30, 1,
          DSL_TRUE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_test_pattern_timecode_enabled_set (L"none",
          DSL_TRUE), ==, DSL_RESULT_SOURCE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_test_pattern_timecode_enabled_set (L"sink",
          DSL_TRUE), ==, DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE);
  g_assert_cmpuint (dsl_source_test_pattern_timecode_enabled_set (L"src",
          DSL_TRUE), ==, DSL_RESULT_SUCCESS);
  pad = gst_element_get_static_pad (component ("src")->bin, "src");
  probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, timecode_seen,
      &seen, NULL);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"src", L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));
  g_assert_cmpint (g_atomic_int_get (&seen.valid), >, 0);
  code = (guint32) g_atomic_int_get (&seen.code);
  now = (guint32) (g_get_real_time () / 1000);
  g_assert_cmpuint ((guint32) (now - code), <, 1000);

  /* off: the frames carry no valid code any more */
  g_assert_cmpuint (dsl_source_test_pattern_timecode_enabled_set (L"src",
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 2));
  g_atomic_int_set (&seen.valid, 0);
  g_assert_true (wait_more_buffers ("sink", 5));
  g_assert_cmpint (g_atomic_int_get (&seen.valid), ==, 0);
  gst_pad_remove_probe (pad, probe);
  gst_object_unref (pad);
  g_assert_cmpuint (dsl_pipeline_delete (L"p"), ==, DSL_RESULT_SUCCESS);
  assert_clean ();
}

static void
test_source_only_while_stopped (void)
{
  make_simple_pipeline ();
  g_assert_cmpuint (dsl_source_test_pattern_new (L"src2", 640, 480, 15, 1,
          DSL_FALSE), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 3));
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"src"), ==,
      DSL_RESULT_PIPELINE_COMPONENT_REMOVE_FAILED);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"src2"), ==,
      DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED);
  g_assert_cmpuint (dsl_pipeline_pause (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"src"), ==,
      DSL_RESULT_PIPELINE_COMPONENT_REMOVE_FAILED);
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);

  /* stopped: the source can change, and the pipeline plays again */
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"src"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"src2"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));
  {
    GstCaps *caps = dsl_sink_fake_get_caps (component ("sink"));
    gint width = 0;

    g_assert_true (gst_structure_get_int (gst_caps_get_structure (caps, 0),
            "width", &width));
    g_assert_cmpint (width, ==, 640);
    gst_caps_unref (caps);
  }
  assert_clean ();
}

static void
test_sinks_join_and_leave_while_playing (void)
{
  GstElement *bin1;
  guint64 before;

  make_simple_pipeline ();
  g_assert_cmpuint (dsl_sink_fake_new (L"sink2"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));

  /* a second sink joins: it gets buffers, the first keeps getting them */
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink2"), ==,
      DSL_RESULT_SUCCESS);
  before = buffers ("sink");
  g_assert_true (wait_more_buffers ("sink2", 10));
  g_assert_cmpuint (buffers ("sink"), >=, before + 5);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);

  /* the first leaves: synchronous, and the second continues */
  bin1 = gst_object_ref (component ("sink")->bin);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_null (GST_OBJECT_PARENT (bin1));
  g_assert_cmpint (GST_STATE (bin1), ==, GST_STATE_NULL);
  g_assert_null (component ("sink")->pipeline);
  before = buffers ("sink");
  g_assert_true (wait_more_buffers ("sink2", 10));
  g_assert_cmpuint (buffers ("sink"), ==, before);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);

  /* the last sink leaves: the pipeline keeps running; one comes back */
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink2"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 10));
  g_assert_true (GST_OBJECT_PARENT (bin1) != NULL);
  gst_object_unref (bin1);

  /* sinks added and removed while PAUSED */
  g_assert_cmpuint (dsl_pipeline_pause (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink2"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink2", 10));

  /* several at once, while PLAYING */
  g_assert_cmpuint (dsl_sink_fake_new (L"sink3"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add_many (L"p",
          (const wchar_t *[]) { L"sink", L"sink3", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink3", 10));
  g_assert_cmpuint (dsl_pipeline_component_remove_many (L"p",
          (const wchar_t *[]) { L"sink", L"sink2", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink3", 10));
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);
  assert_clean ();
}

/* ------------------------------------------------------------------
 * Listeners
 * --------------------------------------------------------------- */

typedef struct
{
  GArray *calls;                   /* guint triples: id, old, new */
  GThread *thread;                 /* where the callbacks ran */
  gboolean wrong_thread;
} StateLog;

static void
log_state (guint id, uint old_state, uint new_state, StateLog * log)
{
  guint call[3] = { id, old_state, new_state };

  g_array_append_vals (log->calls, call, 3);
  if (log->thread && log->thread != g_thread_self ())
    log->wrong_thread = TRUE;
}

static void
state_listener_a (uint old_state, uint new_state, void *client_data)
{
  log_state (1, old_state, new_state, client_data);
}

static void
state_listener_b (uint old_state, uint new_state, void *client_data)
{
  log_state (2, old_state, new_state, client_data);
}

static gboolean
logged_state (StateLog * log, guint new_state)
{
  return log->calls->len >= 3
      && g_array_index (log->calls, guint, log->calls->len - 1) == new_state;
}

static gboolean
logged_playing (gpointer data)
{
  return logged_state (data, DSL_STATE_PLAYING);
}

static gboolean
logged_null (gpointer data)
{
  return logged_state (data, DSL_STATE_NULL);
}

static void
assert_transitions (StateLog * log, guint from, const guint * states,
    guint n)
{
  g_assert_cmpuint (log->calls->len, >=, from + n * 6);
  for (guint i = 0; i < n; i++) {
    const guint *a = &g_array_index (log->calls, guint, from + i * 6);

    g_assert_cmpuint (a[0], ==, 1);
    g_assert_cmpuint (a[1], ==, states[i]);
    g_assert_cmpuint (a[2], ==, states[i + 1]);
    g_assert_cmpuint (a[3], ==, 2);
    g_assert_cmpuint (a[4], ==, states[i]);
    g_assert_cmpuint (a[5], ==, states[i + 1]);
  }
}

static void
test_state_change_listeners (void)
{
  static const guint up[] = { DSL_STATE_NULL, DSL_STATE_READY,
    DSL_STATE_PAUSED, DSL_STATE_PLAYING
  };
  static const guint down[] = { DSL_STATE_PLAYING, DSL_STATE_PAUSED,
    DSL_STATE_READY, DSL_STATE_NULL
  };
  StateLog log = { g_array_new (FALSE, FALSE, sizeof (guint)),
    g_thread_self (), FALSE
  };
  guint mark;

  make_simple_pipeline ();
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p",
          state_listener_a, &log), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p",
          state_listener_b, &log), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p",
          state_listener_a, NULL), ==, DSL_RESULT_PIPELINE_CALLBACK_ADD_FAILED);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p", NULL,
          NULL), ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"nope",
          state_listener_a, NULL), ==, DSL_RESULT_PIPELINE_NAME_NOT_FOUND);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_remove (L"p", NULL),
      ==, DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_remove (L"nope",
          state_listener_a), ==, DSL_RESULT_PIPELINE_NAME_NOT_FOUND);

  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (logged_playing, &log, TIMEOUT_MS));
  assert_transitions (&log, 0, up, 3);
  g_assert_false (log.wrong_thread);

  /* stopping is reported too, all the way down to NULL */
  mark = log.calls->len;
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (logged_null, &log, TIMEOUT_MS));
  assert_transitions (&log, mark, down, 3);

  /* removed listeners are not called */
  g_assert_cmpuint (dsl_pipeline_state_change_listener_remove (L"p",
          state_listener_b), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_remove (L"p",
          state_listener_b), ==, DSL_RESULT_PIPELINE_CALLBACK_REMOVE_FAILED);
  mark = log.calls->len;
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (logged_playing, &log, TIMEOUT_MS));
  for (guint i = mark; i < log.calls->len; i += 3)
    g_assert_cmpuint (g_array_index (log.calls, guint, i), ==, 1);
  g_assert_cmpuint (log.calls->len - mark, ==, 9);

  assert_clean ();
  g_array_unref (log.calls);
}

typedef struct
{
  guint eos;
  guint eos_other;
  gboolean remove_self;
} EosLog;

static void
eos_listener (void *client_data)
{
  EosLog *log = client_data;

  log->eos++;
  if (log->remove_self)
    g_assert_cmpuint (dsl_pipeline_eos_listener_remove (L"p", eos_listener),
        ==, DSL_RESULT_SUCCESS);
}

static void
eos_listener_other (void *client_data)
{
  ((EosLog *) client_data)->eos_other++;
}

static gboolean
got_eos (gpointer data)
{
  EosLog *log = data;

  return log->eos > 0 && log->eos_other > 0;
}

static void
play_file (const wchar_t * source, EosLog * log, guint64 * frames,
    gint64 * elapsed_us)
{
  gint64 start;

  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { source, L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_eos_listener_add (L"p", eos_listener, log),
      ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_eos_listener_add (L"p", eos_listener, log),
      ==, DSL_RESULT_PIPELINE_CALLBACK_ADD_FAILED);
  g_assert_cmpuint (dsl_pipeline_eos_listener_add (L"p", eos_listener_other,
          log), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_eos_listener_add (L"p", NULL, log), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  start = g_get_monotonic_time ();
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (got_eos, log, TIMEOUT_MS));
  *elapsed_us = g_get_monotonic_time () - start;
  *frames = buffers ("sink");
}

static void
test_file_eos (void)
{
  g_autofree wchar_t *wpath = NULL;
  EosLog log = { 0, 0, TRUE };
  guint64 frames;
  gint64 elapsed;
  glong n;

  wpath = (wchar_t *) g_utf8_to_ucs4 (media_path, -1, NULL, &n, NULL);
  g_assert_cmpuint (dsl_source_file_new (L"file", wpath, DSL_FALSE), ==,
      DSL_RESULT_SUCCESS);
  play_file (L"file", &log, &frames, &elapsed);
  g_assert_cmpuint (frames, ==, FILE_FRAMES);
  /* real-time pace: 30 frames at 30 fps take about a second */
  g_assert_cmpint (elapsed, >=, 800 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (log.eos, ==, 1);
  g_assert_cmpuint (log.eos_other, ==, 1);
  /* the listener removed itself from inside the callback */
  g_assert_cmpuint (dsl_pipeline_eos_listener_remove (L"p", eos_listener),
      ==, DSL_RESULT_PIPELINE_CALLBACK_REMOVE_FAILED);
  g_assert_cmpuint (dsl_pipeline_eos_listener_remove (L"p",
          eos_listener_other), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_eos_listener_remove (L"p", NULL), ==,
      DSL_RESULT_INVALID_INPUT_PARAM);
  g_assert_cmpuint (dsl_pipeline_eos_listener_remove (L"nope",
          eos_listener_other), ==, DSL_RESULT_PIPELINE_NAME_NOT_FOUND);

  /* and it plays again after a stop */
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", FILE_FRAMES));
  assert_clean ();
}

static void
test_uri_source_eos (void)
{
  g_autofree gchar *uri = gst_filename_to_uri (media_path, NULL);
  g_autofree wchar_t *wuri = NULL;
  EosLog log = { 0, 0, FALSE };
  guint64 frames;
  gint64 elapsed;
  glong n;

  wuri = (wchar_t *) g_utf8_to_ucs4 (uri, -1, NULL, &n, NULL);
  g_assert_cmpuint (dsl_source_uri_new (L"uri", wuri, DSL_FALSE, 0, 0), ==,
      DSL_RESULT_SUCCESS);
  play_file (L"uri", &log, &frames, &elapsed);
  g_assert_cmpuint (frames, ==, FILE_FRAMES);
  g_assert_cmpuint (log.eos, ==, 1);
  assert_clean ();
}

typedef struct
{
  PtsRecord *pts;
  guint64 target;
} PtsTarget;

static gboolean
has_pts_count (gpointer data)
{
  PtsTarget *t = data;

  return pts_count (t->pts) >= t->target;
}

static void
test_file_repeat (void)
{
  g_autofree wchar_t *wpath = NULL;
  EosLog log = { 0, 0, FALSE };
  PtsRecord pts = { 0, };
  PtsTarget target = { &pts, 2 * FILE_FRAMES + 10 };
  glong n;

  wpath = (wchar_t *) g_utf8_to_ucs4 (media_path, -1, NULL, &n, NULL);
  g_assert_cmpuint (dsl_source_file_new (L"file", wpath, DSL_TRUE), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"file", L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_eos_listener_add (L"p", eos_listener, &log),
      ==, DSL_RESULT_SUCCESS);
  watch_pts ("sink", &pts);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (has_pts_count, &target, TIMEOUT_MS));
  g_assert_cmpuint (log.eos, ==, 0);
  g_mutex_lock (&pts.lock);
  g_assert_cmpuint (pts.not_increasing, ==, 0);
  /* the third loop runs at the time it should, with no gap */
  g_assert_cmpuint (pts.last_pts, >=, 2 * GST_SECOND);
  g_assert_cmpuint (pts.max_gap, <, GST_SECOND / 30 + GST_MSECOND);
  g_mutex_unlock (&pts.lock);
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);

  /* a second sink joins a looping source */
  g_assert_cmpuint (dsl_sink_fake_new (L"sink2"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink2"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink2", FILE_FRAMES + 5));
  g_mutex_lock (&pts.lock);
  g_assert_cmpuint (pts.not_increasing, ==, 0);
  g_mutex_unlock (&pts.lock);

  /* stopped and played again, it starts over and loops again */
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_mutex_lock (&pts.lock);
  pts.last_pts = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&pts.lock);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  target.target = pts_count (&pts) + FILE_FRAMES + 10;
  g_assert_true (wait_until (has_pts_count, &target, TIMEOUT_MS));
  g_mutex_lock (&pts.lock);
  g_assert_cmpuint (pts.not_increasing, ==, 0);
  g_assert_cmpuint (pts.last_pts, >=, GST_SECOND);
  g_mutex_unlock (&pts.lock);
  g_assert_cmpuint (log.eos, ==, 0);

  assert_clean ();
  g_mutex_clear (&pts.lock);
}

/* A listener that deletes its own pipeline; the next listener must not
 * run for it. */
static guint deleter_calls, after_deleter_calls;

static void
deleting_listener (uint old_state, uint new_state, void *client_data)
{
  deleter_calls++;
  if (new_state == DSL_STATE_PLAYING)
    g_assert_cmpuint (dsl_pipeline_delete (L"p"), ==, DSL_RESULT_SUCCESS);
}

static void
after_deleting_listener (uint old_state, uint new_state, void *client_data)
{
  after_deleter_calls++;
}

static gboolean
no_pipelines (gpointer data)
{
  return dsl_pipeline_list_size () == 0;
}

static void
test_listener_deletes_pipeline (void)
{
  make_simple_pipeline ();
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p",
          deleting_listener, NULL), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p",
          after_deleting_listener, NULL), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (no_pipelines, NULL, TIMEOUT_MS));
  g_assert_cmpuint (deleter_calls, ==, 3);
  g_assert_cmpuint (after_deleter_calls, ==, 2);
  /* the components survive, free to be used again */
  g_assert_cmpuint (dsl_component_list_size (), ==, 2);
  g_assert_null (component ("src")->pipeline);
  g_assert_null (component ("sink")->pipeline);
  g_assert_null (GST_OBJECT_PARENT (component ("sink")->bin));
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"src", L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 3));
  assert_clean ();
}

static void
test_delete_while_playing (void)
{
  g_autofree wchar_t *wpath = NULL;
  GstElement *bin;
  glong n;

  make_simple_pipeline ();
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));
  bin = gst_object_ref (component ("sink")->bin);
  g_assert_cmpuint (dsl_pipeline_delete (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 0);
  g_assert_cmpuint (dsl_component_list_size (), ==, 2);
  g_assert_null (GST_OBJECT_PARENT (bin));
  g_assert_cmpint (GST_STATE (bin), ==, GST_STATE_NULL);
  gst_object_unref (bin);

  /* the components go into a new pipeline of the same name */
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"src", L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));

  /* a looping file source too */
  wpath = (wchar_t *) g_utf8_to_ucs4 (media_path, -1, NULL, &n, NULL);
  g_assert_cmpuint (dsl_source_file_new (L"file", wpath, DSL_TRUE), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink2"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"q",
          (const wchar_t *[]) { L"file", L"sink2", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"q"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink2", FILE_FRAMES + 2));
  g_assert_cmpuint (dsl_pipeline_delete (L"q"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 1);
  assert_clean ();
}

static gboolean
logged_null_any (gpointer data)
{
  StateLog *log = data;

  return log->calls->len > 0
      && g_array_index (log->calls, guint, log->calls->len - 1)
      == DSL_STATE_NULL;
}

static void
test_error_stops_pipeline (void)
{
  g_autofree gchar *path = g_build_filename (tmp_dir, "garbage.mp4", NULL);
  g_autofree wchar_t *wpath = NULL;
  StateLog log = { g_array_new (FALSE, FALSE, sizeof (guint)), NULL, FALSE };
  glong n;

  g_assert_true (g_file_set_contents (path, "this is not a video file, "
          "not at all, whatever its name says", -1, NULL));
  wpath = (wchar_t *) g_utf8_to_ucs4 (path, -1, NULL, &n, NULL);
  g_assert_cmpuint (dsl_source_file_new (L"file", wpath, DSL_FALSE), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"sink"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"file", L"sink", NULL }), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_state_change_listener_add (L"p",
          state_listener_a, &log), ==, DSL_RESULT_SUCCESS);
  /* GStreamer accepts the change: the file is found not to be a video by
   * typefinding on the streaming thread, after the call returned. So the
   * play succeeds (docs/api-pipeline.md: "Success means the change was
   * accepted ... an error found later stops the Pipeline"), and the error
   * then stops the pipeline, which the listener hears. */
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (logged_null_any, &log, TIMEOUT_MS));
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_NULL);
  g_assert_cmpuint (buffers ("sink"), ==, 0);
  assert_clean ();
  g_array_unref (log.calls);
  g_unlink (path);
}

static void
test_delete_all (void)
{
  make_simple_pipeline ();
  g_assert_cmpuint (dsl_pipeline_new (L"q"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_sink_fake_new (L"loose"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_source_v4l2_new (L"cam", L"/dev/video9"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 3));
  dsl_delete_all ();
  g_assert_cmpuint (dsl_pipeline_list_size (), ==, 0);
  g_assert_cmpuint (dsl_component_list_size (), ==, 0);
  /* and everything can be created again */
  make_simple_pipeline ();
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 3));
  assert_clean ();
}

/* ------------------------------------------------------------------
 * The component hooks, and a sink branch that blocks
 * --------------------------------------------------------------- */

/* A sink component that counts its hooks and can hold a buffer on its
 * sink pad until the pad flushes, like a branch stuck downstream. */
typedef struct
{
  DslComponent base;
  GMutex lock;
  GCond cond;
  gboolean block;
  gboolean blocking;
  guint added, removing, stopping;
  gboolean linked_when_removing;
  gboolean parent_when_added;
} HookSink;

static void
hook_finalize (DslComponent * c)
{
  HookSink *self = (HookSink *) c;

  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
}

static void
hook_added (DslComponent * c, DslPipeline * pipeline)
{
  HookSink *self = (HookSink *) c;

  self->added++;
  self->parent_when_added = c->pipeline == pipeline
      && GST_OBJECT_PARENT (c->bin) != NULL;
}

static void
hook_removing (DslComponent * c, DslPipeline * pipeline)
{
  HookSink *self = (HookSink *) c;
  GstPad *pad = gst_element_get_static_pad (c->bin, "sink");

  self->removing++;
  self->linked_when_removing = gst_pad_is_linked (pad)
      && c->pipeline == pipeline;
  gst_object_unref (pad);
}

static void
hook_stopping (DslComponent * c, DslPipeline * pipeline)
{
  ((HookSink *) c)->stopping++;
}

static const DslComponentClass hook_class = {
  .type_name = "test-hook-sink",
  .role = DSL_COMPONENT_SINK,
  .finalize = hook_finalize,
  .added = hook_added,
  .removing = hook_removing,
  .pipeline_stopping = hook_stopping,
};

static GstPadProbeReturn
hook_block (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  HookSink *self = data;

  g_mutex_lock (&self->lock);
  while (self->block && !GST_PAD_IS_FLUSHING (pad)) {
    self->blocking = TRUE;
    g_cond_wait_until (&self->cond, &self->lock,
        g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND);
  }
  self->blocking = FALSE;
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_OK;
}

static HookSink *
hook_sink_new (const gchar * name)
{
  HookSink *self = g_new0 (HookSink, 1);
  GstElement *bin = gst_bin_new (name);
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *pad, *ghost;

  g_object_set (sink, "sync", TRUE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (bin), queue, sink, NULL);
  gst_element_link (queue, sink);
  pad = gst_element_get_static_pad (queue, "sink");
  ghost = gst_ghost_pad_new ("sink", pad);
  gst_element_add_pad (bin, ghost);
  gst_object_unref (pad);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  gst_pad_add_probe (ghost, GST_PAD_PROBE_TYPE_BUFFER, hook_block, self,
      NULL);

  dsl_context_enter ();
  dsl_component_init (&self->base, &hook_class, name, bin);
  dsl_component_register (&self->base);
  dsl_component_unref (&self->base);
  dsl_context_leave ();
  return self;
}

static gboolean
hook_is_blocking (gpointer data)
{
  HookSink *self = data;
  gboolean blocking;

  g_mutex_lock (&self->lock);
  blocking = self->blocking;
  g_mutex_unlock (&self->lock);
  return blocking;
}

static void
hook_set_block (HookSink * self, gboolean block)
{
  g_mutex_lock (&self->lock);
  self->block = block;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gboolean
bin_has_left (gpointer data)
{
  HookSink *hook = data;

  return GST_OBJECT_PARENT (hook->base.bin) == NULL;
}

static void
test_component_hooks (void)
{
  HookSink *hook;

  make_simple_pipeline ();
  hook = hook_sink_new ("hook");

  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"hook"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (hook->added, ==, 1);
  g_assert_true (hook->parent_when_added);
  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));
  g_assert_cmpuint (hook->stopping, ==, 0);
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (hook->stopping, ==, 1);
  /* stopping a stopped pipeline tells the components again: a WebRTC
   * Sink may hold a viewer that waits for the pipeline to play */
  g_assert_cmpuint (dsl_pipeline_stop (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (hook->stopping, ==, 2);

  g_assert_cmpuint (dsl_pipeline_play (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"hook"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (hook->removing, ==, 1);
  g_assert_true (hook->linked_when_removing);
  g_assert_null (hook->base.pipeline);

  /* joins while PLAYING */
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"hook"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (hook->added, ==, 2);
  g_assert_true (hook->parent_when_added);
  g_assert_cmpint (GST_STATE (hook->base.bin), ==, GST_STATE_PLAYING);

  /* a branch stuck in a push: removal returns at once, and the branch
   * leaves about a second later anyway; the other sink goes on */
  hook_set_block (hook, TRUE);
  g_assert_true (wait_until (hook_is_blocking, hook, TIMEOUT_MS));
  {
    gint64 start = g_get_monotonic_time ();

    g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"hook"), ==,
        DSL_RESULT_SUCCESS);
    g_assert_cmpint (g_get_monotonic_time () - start, <,
        100 * G_TIME_SPAN_MILLISECOND);
    g_assert_null (hook->base.pipeline);
    g_assert_nonnull (GST_OBJECT_PARENT (hook->base.bin));
    g_assert_true (dsl_test_wait_until (bin_has_left, hook, TIMEOUT_MS));
    g_assert_cmpint (g_get_monotonic_time () - start, >=,
        900 * G_TIME_SPAN_MILLISECOND);
  }
  g_assert_cmpuint (hook->removing, ==, 2);
  g_assert_cmpint (GST_STATE (hook->base.bin), ==, GST_STATE_NULL);
  g_assert_true (wait_more_buffers ("sink", 10));
  g_assert_cmpuint (state_of (L"p"), ==, DSL_STATE_PLAYING);

  /* the same when it is the only sink: the source must not stop */
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"hook"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_until (hook_is_blocking, hook, TIMEOUT_MS));
  g_assert_cmpuint (dsl_pipeline_component_remove (L"p", L"hook"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"sink"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 10));
  hook_set_block (hook, FALSE);

  /* deleting the pipeline stops it and lets every child go */
  g_assert_cmpuint (dsl_pipeline_component_add (L"p", L"hook"), ==,
      DSL_RESULT_SUCCESS);
  g_assert_true (wait_more_buffers ("sink", 5));
  g_assert_cmpuint (dsl_pipeline_delete (L"p"), ==, DSL_RESULT_SUCCESS);
  g_assert_cmpuint (hook->stopping, ==, 3);
  g_assert_cmpuint (hook->removing, ==, 4);
  g_assert_null (hook->base.pipeline);
  assert_clean ();
}

/* ------------------------------------------------------------------
 * Another thread calls while the main loop runs
 * --------------------------------------------------------------- */

typedef struct
{
  StateLog log;
  gboolean ok;
  gboolean done;
  GThread *main_thread;
} ThreadRun;

static gboolean
thread_wait_buffers (const gchar * sink, guint64 n)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * 1000;
  guint64 target;

  dsl_context_enter ();
  target = dsl_sink_fake_get_buffer_count (dsl_component_find (sink)) + n;
  dsl_context_leave ();
  while (g_get_monotonic_time () < deadline) {
    guint64 count;

    dsl_context_enter ();
    count = dsl_sink_fake_get_buffer_count (dsl_component_find (sink));
    dsl_context_leave ();
    if (count >= target)
      return TRUE;
    g_usleep (10 * 1000);
  }
  return FALSE;
}

static gpointer
api_thread (gpointer data)
{
  ThreadRun *run = data;
  gboolean ok = TRUE;

#define CHECK(expr) G_STMT_START { if (!(expr)) { \
      g_printerr ("thread check failed: %s\n", #expr); ok = FALSE; \
      goto out; } } G_STMT_END

  CHECK (dsl_source_test_pattern_new (L"src", 320, 240, 30, 1, DSL_TRUE)
      == DSL_RESULT_SUCCESS);
  CHECK (dsl_sink_fake_new (L"sink") == DSL_RESULT_SUCCESS);
  CHECK (dsl_sink_fake_new (L"sink2") == DSL_RESULT_SUCCESS);
  CHECK (dsl_pipeline_new_component_add_many (L"p",
          (const wchar_t *[]) { L"src", L"sink", NULL })
      == DSL_RESULT_SUCCESS);
  CHECK (dsl_pipeline_state_change_listener_add (L"p", state_listener_a,
          &run->log) == DSL_RESULT_SUCCESS);
  CHECK (dsl_pipeline_play (L"p") == DSL_RESULT_SUCCESS);
  CHECK (thread_wait_buffers ("sink", 10));
  CHECK (dsl_pipeline_component_add (L"p", L"sink2") == DSL_RESULT_SUCCESS);
  CHECK (thread_wait_buffers ("sink2", 10));
  CHECK (dsl_pipeline_component_remove (L"p", L"sink") ==
      DSL_RESULT_SUCCESS);
  CHECK (thread_wait_buffers ("sink2", 10));
  CHECK (dsl_pipeline_stop (L"p") == DSL_RESULT_SUCCESS);
  CHECK (dsl_pipeline_delete (L"p") == DSL_RESULT_SUCCESS);
  CHECK (dsl_pipeline_list_size () == 0);
  dsl_delete_all ();
  CHECK (dsl_component_list_size () == 0);
#undef CHECK
out:
  run->ok = ok;
  run->done = TRUE;
  dsl_main_loop_quit ();
  return NULL;
}

static gboolean
quit_on_timeout (gpointer data)
{
  g_printerr ("the thread test timed out\n");
  dsl_main_loop_quit ();
  return G_SOURCE_REMOVE;
}

static void
test_calls_from_another_thread (void)
{
  ThreadRun run = { {g_array_new (FALSE, FALSE, sizeof (guint)),
          g_thread_self (), FALSE}, FALSE, FALSE, g_thread_self ()
  };
  GThread *thread;
  guint timeout;

  timeout = dsl_context_timeout (30000, quit_on_timeout, NULL, NULL);
  thread = g_thread_new ("api-thread", api_thread, &run);
  dsl_main_loop_run ();
  g_thread_join (thread);
  g_source_remove (timeout);

  g_assert_true (run.done);
  g_assert_true (run.ok);
  /* the listener ran on the main-loop thread, NULL -> ... -> PLAYING */
  g_assert_false (run.log.wrong_thread);
  g_assert_cmpuint (run.log.calls->len, >=, 9);
  g_assert_cmpuint (g_array_index (run.log.calls, guint, 1), ==,
      DSL_STATE_NULL);
  g_assert_cmpuint (g_array_index (run.log.calls, guint, 8), ==,
      DSL_STATE_PLAYING);
  g_array_unref (run.log.calls);
  assert_clean ();
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  dsl_context_init ();

  tmp_dir = g_dir_make_tmp ("dsl-test-pipeline-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  generate_media ();

  g_test_add_func ("/pipeline/new-delete", test_pipeline_new_delete);
  g_test_add_func ("/pipeline/component-add-remove-codes",
      test_component_add_remove_codes);
  g_test_add_func ("/source/source-sink-codes", test_source_sink_codes);
  g_test_add_func ("/pipeline/play-needs-source-and-sink",
      test_play_needs_source_and_sink);
  g_test_add_func ("/pipeline/test-pattern-plays", test_test_pattern_plays);
  g_test_add_func ("/source/test-pattern-timecode",
      test_test_pattern_timecode);
  g_test_add_func ("/pipeline/source-only-while-stopped",
      test_source_only_while_stopped);
  g_test_add_func ("/pipeline/sinks-join-and-leave-while-playing",
      test_sinks_join_and_leave_while_playing);
  g_test_add_func ("/pipeline/state-change-listeners",
      test_state_change_listeners);
  g_test_add_func ("/source/file-eos", test_file_eos);
  g_test_add_func ("/source/uri-eos", test_uri_source_eos);
  g_test_add_func ("/source/file-repeat", test_file_repeat);
  g_test_add_func ("/pipeline/listener-deletes-pipeline",
      test_listener_deletes_pipeline);
  g_test_add_func ("/pipeline/delete-while-playing",
      test_delete_while_playing);
  g_test_add_func ("/pipeline/error-stops-pipeline",
      test_error_stops_pipeline);
  g_test_add_func ("/pipeline/component-hooks", test_component_hooks);
  g_test_add_func ("/general/delete-all", test_delete_all);
  g_test_add_func ("/context/calls-from-another-thread",
      test_calls_from_another_thread);

  ret = g_test_run ();

  g_unlink (media_path);
  g_rmdir (tmp_dir);
  g_free (media_path);
  g_free (tmp_dir);
  return ret;
}
