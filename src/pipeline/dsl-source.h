/* dsl-source.h - Source components. Each one is a GstBin with a ghost
 * "src" pad giving raw video:
 *
 *  test pattern: videotestsrc (live, SMPTE) ! capsfilter ! [clockoverlay]
 *  file, uri:    uridecodebin (video only) ! clocksync
 *  v4l2:         v4l2src ! videoconvert
 *
 * The decoding sources run at real-time speed (clocksync), whatever the
 * sinks do. A repeating file source loops seamlessly: its EOS is held back,
 * the decoder is sought back to the start inside the bin (the flush never
 * leaves the bin), and timestamps continue from where the last loop ended.
 *
 * Every function must be called with the main context held (dsl-context.h).
 */
#ifndef DSL_SOURCE_H
#define DSL_SOURCE_H

#include "pipeline/dsl-component.h"

G_BEGIN_DECLS

/* Services behind dsl_source_*_new(); each returns a DSL_RESULT_*. */
DslReturnType dsl_source_test_pattern_create (const gchar * name,
    guint width, guint height, guint fps_n, guint fps_d,
    gboolean clock_enabled);
DslReturnType dsl_source_file_create (const gchar * name,
    const gchar * file_path, gboolean repeat_enabled);
DslReturnType dsl_source_uri_create (const gchar * name, const gchar * uri,
    gboolean is_live, guint skip_frames, guint drop_frame_interval);
DslReturnType dsl_source_v4l2_create (const gchar * name,
    const gchar * device_location);

/* Extension: writes a pixel time code (dsl-timecode.h) into every frame
 * of a test pattern source, or stops. */
DslReturnType dsl_source_test_pattern_set_timecode (const gchar * name,
    gboolean enabled);

/* TRUE when component is one of the sources above. */
gboolean dsl_source_is_source (DslComponent * component);

G_END_DECLS

#endif /* DSL_SOURCE_H */
