/* dsl-sink-fake.h - the Fake Sink component: queue ! fakesink.
 *
 * The sink synchronises on the clock and never blocks a state change
 * (async=FALSE), so it can join a PLAYING (live) pipeline at any time.
 *
 * Every function must be called with the main context held (dsl-context.h),
 * except the accessors marked "any thread".
 */
#ifndef DSL_SINK_FAKE_H
#define DSL_SINK_FAKE_H

#include "pipeline/dsl-component.h"

G_BEGIN_DECLS

/* Service behind dsl_sink_fake_new(). */
DslReturnType dsl_sink_fake_create (const gchar * name);

/* TRUE when component is a Fake Sink. Any thread. */
gboolean dsl_sink_fake_is_fake_sink (DslComponent * component);

/* Number of buffers the fakesink received since the component was
 * created; 0 for a component that is not a Fake Sink. Any thread. */
guint64 dsl_sink_fake_get_buffer_count (DslComponent * component);

/* The caps the fakesink currently receives (transfer full), or NULL. Any
 * thread. */
GstCaps *dsl_sink_fake_get_caps (DslComponent * component);

G_END_DECLS

#endif /* DSL_SINK_FAKE_H */
