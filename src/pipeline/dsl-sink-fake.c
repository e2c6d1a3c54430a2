/* dsl-sink-fake.c - the Fake Sink component. */
#include "pipeline/dsl-sink-fake.h"
#include "core/dsl-context.h"
#include "core/dsl-log.h"

#include <stdatomic.h>

#define GST_CAT_DEFAULT dsl_pipeline_debug

typedef struct
{
  DslComponent base;
  GstElement *fakesink;            /* owned by the bin */
  _Atomic guint64 buffer_count;
} DslSinkFake;

static void
sink_fake_finalize (DslComponent * component)
{
  (void) component;
}

static const DslComponentClass sink_fake_class = {
  .type_name = "fake-sink",
  .role = DSL_COMPONENT_SINK,
  .finalize = sink_fake_finalize,
};

gboolean
dsl_sink_fake_is_fake_sink (DslComponent * component)
{
  return component && component->klass == &sink_fake_class;
}

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  DslSinkFake *self = user_data;
  guint64 n = 1;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    n = gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  atomic_fetch_add (&self->buffer_count, n);
  return GST_PAD_PROBE_OK;
}

DslReturnType
dsl_sink_fake_create (const gchar * name)
{
  DslSinkFake *self;
  GstElement *bin, *queue, *fakesink;
  GstPad *pad;

  if (dsl_component_name_in_use (name)) {
    GST_ERROR ("fake sink name '%s' is not unique", name);
    return DSL_RESULT_SINK_NAME_NOT_UNIQUE;
  }

  bin = gst_bin_new (name);
  queue = gst_element_factory_make ("queue", "fake-sink-queue");
  fakesink = gst_element_factory_make ("fakesink", "fake-sink");
  if (!queue || !fakesink) {
    GST_ERROR ("fake sink '%s': could not create queue/fakesink", name);
    gst_clear_object (&queue);
    gst_clear_object (&fakesink);
    gst_object_unref (gst_object_ref_sink (bin));
    return DSL_RESULT_SINK_THREW_EXCEPTION;
  }
  /* sync: consume at the stream's pace; async=FALSE: never hold a state
   * change for preroll, so the sink can join a running pipeline. */
  g_object_set (fakesink, "sync", TRUE, "async", FALSE,
      "enable-last-sample", FALSE, "qos", FALSE, NULL);
  gst_bin_add_many (GST_BIN (bin), queue, fakesink, NULL);
  gst_element_link (queue, fakesink);

  pad = gst_element_get_static_pad (queue, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);

  self = g_new0 (DslSinkFake, 1);
  dsl_component_init (&self->base, &sink_fake_class, name, bin);
  self->fakesink = fakesink;
  atomic_init (&self->buffer_count, 0);

  pad = gst_element_get_static_pad (fakesink, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
      count_buffers, self, NULL);
  gst_object_unref (pad);

  dsl_component_register (&self->base);
  dsl_component_unref (&self->base);
  GST_INFO ("new fake sink '%s'", name);
  return DSL_RESULT_SUCCESS;
}

guint64
dsl_sink_fake_get_buffer_count (DslComponent * component)
{
  if (!dsl_sink_fake_is_fake_sink (component))
    return 0;
  return atomic_load (&((DslSinkFake *) component)->buffer_count);
}

GstCaps *
dsl_sink_fake_get_caps (DslComponent * component)
{
  GstPad *pad;
  GstCaps *caps;

  if (!dsl_sink_fake_is_fake_sink (component))
    return NULL;
  pad = gst_element_get_static_pad (((DslSinkFake *) component)->fakesink,
      "sink");
  caps = gst_pad_get_current_caps (pad);
  gst_object_unref (pad);
  return caps;
}
