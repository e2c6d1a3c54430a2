/* dsl-log.h - the library's GStreamer debug categories.
 *
 * Enable with GST_DEBUG=dsl*:5. One category per module so a user can
 * narrow down, e.g. GST_DEBUG=dsl-server:6.
 */
#ifndef DSL_LOG_H
#define DSL_LOG_H

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN (dsl_api_debug);       /* "dsl-api": API glue   */
GST_DEBUG_CATEGORY_EXTERN (dsl_server_debug);    /* "dsl-server"          */
GST_DEBUG_CATEGORY_EXTERN (dsl_pipeline_debug);  /* "dsl-pipeline"        */
GST_DEBUG_CATEGORY_EXTERN (dsl_sink_debug);      /* "dsl-sink"            */
GST_DEBUG_CATEGORY_EXTERN (dsl_session_debug);   /* "dsl-session"         */

#endif /* DSL_LOG_H */
