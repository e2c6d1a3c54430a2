/* dsl-pipeline.h - a Pipeline: one source, a converter, and a tee that
 * feeds every sink. Sinks can join and leave while PLAYING without
 * disturbing the others; the source can change only while stopped.
 *
 * Every function must be called with the main context held (dsl-context.h).
 * Listener callbacks run on the main-loop thread, from the bus watch.
 */
#ifndef DSL_PIPELINE_H
#define DSL_PIPELINE_H

#include "pipeline/dsl-component.h"
#include "core/dsl-tee-branch.h"

G_BEGIN_DECLS

/* Services behind the dsl_pipeline_*() API; each returns a DSL_RESULT_*. */
DslReturnType dsl_pipeline_create (const gchar * name);
DslReturnType dsl_pipeline_add_component (const gchar * name,
    const gchar * component);
DslReturnType dsl_pipeline_remove_component (const gchar * name,
    const gchar * component);
DslReturnType dsl_pipeline_set_state_by_name (const gchar * name,
    GstState state);
DslReturnType dsl_pipeline_get_state_by_name (const gchar * name,
    guint * state);
DslReturnType dsl_pipeline_delete_by_name (const gchar * name);
DslReturnType dsl_pipeline_delete_all_pipelines (void);
guint dsl_pipeline_count (void);
DslReturnType dsl_pipeline_add_state_change_listener (const gchar * name,
    dsl_state_change_listener_cb listener, gpointer client_data);
DslReturnType dsl_pipeline_remove_state_change_listener (const gchar * name,
    dsl_state_change_listener_cb listener);
DslReturnType dsl_pipeline_add_eos_listener (const gchar * name,
    dsl_eos_listener_cb listener, gpointer client_data);
DslReturnType dsl_pipeline_remove_eos_listener (const gchar * name,
    dsl_eos_listener_cb listener);

/* For components and shared streams: adds bin (which has a "sink" pad) to
 * the pipeline, in its state, on a new branch of the raw-video tee.
 * Returns NULL (logged) on failure, when bin is not added. */
DslTeeBranch *dsl_pipeline_add_branch (DslPipeline * self, GstElement * bin);

/* Takes such a branch out without waiting: once it is unlinked (see
 * dsl-tee-branch.h), bin goes to NULL and leaves its parent. Takes the
 * branch; holds bin until then. */
void dsl_pipeline_remove_branch (DslTeeBranch * branch, GstElement * bin);

/* For components. */
const gchar *dsl_pipeline_get_name (DslPipeline * self);
GstState dsl_pipeline_get_current_state (DslPipeline * self);

G_END_DECLS

#endif /* DSL_PIPELINE_H */
