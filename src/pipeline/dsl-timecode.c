/* dsl-timecode.c */
#include "pipeline/dsl-timecode.h"
#include "core/dsl-log.h"

#include <gst/video/video.h>
#include <string.h>

#define GST_CAT_DEFAULT dsl_pipeline_debug

#define BLOCKS 40
#define LUMA_ONE 235
#define LUMA_ZERO 16

static void
fill_block (guint8 * plane, gint stride, guint x, guint size, gboolean one)
{
  for (guint row = 0; row < size; row++)
    memset (plane + row * stride + x, one ? LUMA_ONE : LUMA_ZERO, size);
}

static void
write_code (GstVideoFrame * frame, guint32 t)
{
  guint8 *luma = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
  guint size = GST_VIDEO_FRAME_COMP_WIDTH (frame, 0) / BLOCKS;
  guint8 check = (t >> 24) ^ (t >> 16) ^ (t >> 8) ^ t;

  if (size < 2 || (guint) GST_VIDEO_FRAME_COMP_HEIGHT (frame, 0) < size)
    return;
  for (guint i = 0; i < 32; i++)
    fill_block (luma, stride, i * size, size, (t >> (31 - i)) & 1);
  for (guint i = 0; i < 8; i++)
    fill_block (luma, stride, (32 + i) * size, size, (check >> (7 - i)) & 1);
}

/* streaming thread */
static GstPadProbeReturn
timecode_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;

  if (!caps || !gst_video_info_from_caps (&vinfo, caps)
      || !(GST_VIDEO_FORMAT_INFO_IS_YUV (vinfo.finfo)
          || GST_VIDEO_FORMAT_INFO_IS_GRAY (vinfo.finfo))
      || GST_VIDEO_FORMAT_INFO_PSTRIDE (vinfo.finfo, 0) != 1)
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  write_code (&frame, (guint32) (g_get_real_time () / 1000));
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

gulong
dsl_timecode_add (GstPad * pad)
{
  g_return_val_if_fail (GST_IS_PAD (pad), 0);
  return gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, timecode_probe,
      NULL, NULL);
}

void
dsl_timecode_remove (GstPad * pad, gulong id)
{
  g_return_if_fail (GST_IS_PAD (pad));
  if (id)
    gst_pad_remove_probe (pad, id);
}
