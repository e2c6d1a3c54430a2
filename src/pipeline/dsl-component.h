/* dsl-component.h - the base of every named component (sources, sinks).
 *
 * A component is a reference-counted struct with a class vtable and a
 * GstBin. The component registry holds one reference per named component;
 * a Pipeline holds one more while the component is its child.
 *
 * Sources: the bin has a ghost "src" pad giving raw video.
 * Sinks:   either the bin has a ghost "sink" pad taking raw video, and the
 *          Pipeline links it to a branch of its tee (input); or it has
 *          none and takes its input itself when added (a WebRTC Sink
 *          attaches to a shared stream).
 *
 * Every function must be called with the main context held (dsl-context.h).
 */
#ifndef DSL_COMPONENT_H
#define DSL_COMPONENT_H

#include <gst/gst.h>
#include "DslApi.h"

G_BEGIN_DECLS

typedef struct _DslComponent DslComponent;
typedef struct _DslPipeline DslPipeline;
typedef struct _DslTeeBranch DslTeeBranch;

typedef enum
{
  DSL_COMPONENT_SOURCE,
  DSL_COMPONENT_SINK,
} DslComponentRole;

typedef struct
{
  const gchar *type_name;          /* "webrtc-sink", "fake-sink", ... */
  DslComponentRole role;

  /* Frees what the subclass owns (not the bin or the name). */
  void (*finalize) (DslComponent * self);

  /* The component became a child of pipeline; for sinks, its bin is in
   * the pipeline's bin, linked to the tee and in sync with its state. */
  void (*added) (DslComponent * self, DslPipeline * pipeline);

  /* The component is about to leave pipeline (its bin is still linked). */
  void (*removing) (DslComponent * self, DslPipeline * pipeline);

  /* The pipeline is about to go to NULL (stop or delete). */
  void (*pipeline_stopping) (DslComponent * self, DslPipeline * pipeline);
} DslComponentClass;

struct _DslComponent
{
  const DslComponentClass *klass;
  gint ref_count;
  gchar *name;
  GstElement *bin;                 /* owned reference */
  DslPipeline *pipeline;           /* parent, or NULL; not a reference */
  DslTeeBranch *input;             /* the tee branch feeding a sink, until
                                    * it is unlinked (even after removal) */
};

/* For subclasses: initialises the base part; takes ownership of bin
 * (sinks a floating reference). */
void dsl_component_init (DslComponent * self, const DslComponentClass * klass,
    const gchar * name, GstElement * bin);

DslComponent *dsl_component_ref (DslComponent * self);
void dsl_component_unref (DslComponent * self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslComponent, dsl_component_unref)

/* The registry of named components. */
gboolean dsl_component_name_in_use (const gchar * name);
void dsl_component_register (DslComponent * self);   /* takes a reference */
DslComponent *dsl_component_find (const gchar * name); /* borrowed, or NULL */
guint dsl_component_count (void);

/* Services behind dsl_component_delete*(). */
DslReturnType dsl_component_delete_by_name (const gchar * name);
DslReturnType dsl_component_delete_all_components (void);

G_END_DECLS

#endif /* DSL_COMPONENT_H */
