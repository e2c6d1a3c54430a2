/* dsl-pipeline.c - Pipelines (see dsl-pipeline.h).
 *
 *   GstPipeline: [source bin] ! videoconvert ! tee ! [sink bin] ...
 *
 * The tee (allow-not-linked) gets one request pad per sink. A Pipeline is
 * reference counted: the registry holds one reference, and the bus watch
 * holds one more while it dispatches, so a listener may delete it.
 */
#include "pipeline/dsl-pipeline.h"
#include "core/dsl-context.h"
#include "core/dsl-listeners.h"
#include "core/dsl-log.h"
#include "core/dsl-tee-branch.h"
#include "core/dsl-error-scope.h"

#define GST_CAT_DEFAULT dsl_pipeline_debug

typedef struct
{
  DslComponent *component;         /* reference */
} Child;

struct _DslPipeline
{
  gint ref_count;
  gchar *name;
  gboolean deleted;

  GstElement *pipeline;            /* reference */
  GstElement *convert;             /* owned by pipeline */
  GstElement *tee;                 /* owned by pipeline */
  GSource *bus_watch;

  DslComponent *source;            /* also in children */
  GPtrArray *children;             /* Child*, in the order added */

  DslListeners *state_listeners;   /* dsl_state_change_listener_cb */
  DslListeners *eos_listeners;     /* dsl_eos_listener_cb */
};

/* name -> DslPipeline* (one reference), and creation order. */
static GHashTable *pipelines;
static GPtrArray *pipeline_order;

static void
ensure_registry (void)
{
  if (!pipelines) {
    pipelines = g_hash_table_new (g_str_hash, g_str_equal);
    pipeline_order = g_ptr_array_new ();
  }
}

static DslPipeline *
find_pipeline (const gchar * name)
{
  ensure_registry ();
  return g_hash_table_lookup (pipelines, name);
}

static DslPipeline *
pipeline_ref (DslPipeline * self)
{
  self->ref_count++;
  return self;
}

static void
pipeline_unref (DslPipeline * self)
{
  if (--self->ref_count > 0)
    return;
  GST_DEBUG ("freeing pipeline '%s'", self->name);
  g_ptr_array_unref (self->children);
  dsl_listeners_free (self->state_listeners);
  dsl_listeners_free (self->eos_listeners);
  gst_object_unref (self->pipeline);
  g_free (self->name);
  g_free (self);
}

static void
child_free (gpointer data)
{
  Child *child = data;

  dsl_component_unref (child->component);
  g_free (child);
}

static Child *
find_child (DslPipeline * self, DslComponent * component, guint * index)
{
  for (guint i = 0; i < self->children->len; i++) {
    Child *child = g_ptr_array_index (self->children, i);

    if (child->component == component) {
      if (index)
        *index = i;
      return child;
    }
  }
  return NULL;
}

static guint
count_sinks (DslPipeline * self)
{
  guint n = 0;

  for (guint i = 0; i < self->children->len; i++) {
    Child *child = g_ptr_array_index (self->children, i);

    if (child->component->klass->role == DSL_COMPONENT_SINK)
      n++;
  }
  return n;
}

const gchar *
dsl_pipeline_get_name (DslPipeline * self)
{
  return self->name;
}

GstState
dsl_pipeline_get_current_state (DslPipeline * self)
{
  GstState state = GST_STATE_NULL;

  gst_element_get_state (self->pipeline, &state, NULL, 0);
  return state;
}

/* NULL or READY, and not on the way up. */
static gboolean
is_stopped (DslPipeline * self)
{
  GstState state, pending;

  gst_element_get_state (self->pipeline, &state, &pending, 0);
  return state <= GST_STATE_READY && pending <= GST_STATE_READY;
}


/* ---------------------------------------------------------------------
 * Listeners
 * ------------------------------------------------------------------ */

typedef struct
{
  DslPipeline *pipeline;
  guint old_state, new_state;
} StateChange;

static void
call_state_listener (GCallback func, gpointer client_data, gpointer data)
{
  StateChange *change = data;

  /* a listener may delete the pipeline: the others are then not called */
  if (!change->pipeline->deleted)
    ((dsl_state_change_listener_cb) func) (change->old_state,
        change->new_state, client_data);
}

static void
notify_state_change (DslPipeline * self, GstState old_state,
    GstState new_state)
{
  StateChange change = { self, (guint) old_state, (guint) new_state };

  GST_DEBUG ("pipeline '%s': %s -> %s", self->name,
      gst_element_state_get_name (old_state),
      gst_element_state_get_name (new_state));
  dsl_listeners_call (self->state_listeners, call_state_listener, &change);
}

static void
call_eos_listener (GCallback func, gpointer client_data, gpointer data)
{
  DslPipeline *self = data;

  if (!self->deleted)
    ((dsl_eos_listener_cb) func) (client_data);
}

static void
notify_eos (DslPipeline * self)
{
  GST_INFO ("pipeline '%s': end of stream", self->name);
  dsl_listeners_call (self->eos_listeners, call_eos_listener, self);
}

/* ---------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------ */

/* Tells every child, then sets the pipeline to NULL. */
static GstStateChangeReturn
stop_pipeline (DslPipeline * self)
{
  GstStateChangeReturn ret;

  GST_INFO ("pipeline '%s': stopping", self->name);
  /* Even from NULL: a WebRTC Sink may hold a viewer waiting for play.
   * A hook may remove its component: walk over a copy, holding refs. */
  {
    g_autoptr (GPtrArray) components =
        g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_component_unref);

    for (guint i = 0; i < self->children->len; i++)
      g_ptr_array_add (components, dsl_component_ref (((Child *)
                  g_ptr_array_index (self->children, i))->component));
    for (guint i = 0; i < components->len; i++) {
      DslComponent *component = g_ptr_array_index (components, i);

      if (component->pipeline == self && component->klass->pipeline_stopping)
        component->klass->pipeline_stopping (component, self);
    }
  }
  ret = gst_element_set_state (self->pipeline, GST_STATE_NULL);
  if (ret == GST_STATE_CHANGE_FAILURE)
    GST_ERROR ("pipeline '%s': failed to stop", self->name);
  return ret;
}

static gboolean
bus_message (GstBus * bus, GstMessage * message, gpointer user_data)
{
  DslPipeline *self = pipeline_ref (user_data);
  GstObject *src = GST_MESSAGE_SRC (message);

  if (self->deleted)
    goto done;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_STATE_CHANGED:
      if (src == GST_OBJECT (self->pipeline)) {
        GstState old_state, new_state;

        gst_message_parse_state_changed (message, &old_state, &new_state,
            NULL);
        notify_state_change (self, old_state, new_state);
      }
      break;
    case GST_MESSAGE_EOS:
      notify_eos (self);
      break;
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) err = NULL;
      g_autofree gchar *debug = NULL;
      g_autofree gchar *path = gst_object_get_path_string (src);

      gst_message_parse_error (message, &err, &debug);
      /* A viewer's webrtcbin takes its own errors: that viewer fails */
      if (dsl_error_scope_claim (message)) {
        GST_WARNING ("pipeline '%s': error from %s, for that part only: %s",
            self->name, path, err->message);
        break;
      }
      GST_ERROR ("pipeline '%s': error from %s: %s (%s)", self->name, path,
          err->message, debug ? debug : "no details");
      /* An element of a sink that already left cannot stop us. */
      if (src == GST_OBJECT (self->pipeline)
          || gst_object_has_as_ancestor (src, GST_OBJECT (self->pipeline)))
        stop_pipeline (self);
      break;
    }
    case GST_MESSAGE_WARNING:{
      g_autoptr (GError) err = NULL;
      g_autofree gchar *debug = NULL;
      g_autofree gchar *path = gst_object_get_path_string (src);

      gst_message_parse_warning (message, &err, &debug);
      GST_WARNING ("pipeline '%s': warning from %s: %s (%s)", self->name,
          path, err->message, debug ? debug : "no details");
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      break;
    default:
      break;
  }

done:
  pipeline_unref (self);
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------ */

DslReturnType
dsl_pipeline_create (const gchar * name)
{
  DslPipeline *self;
  GstElement *pipeline, *convert, *tee;
  GstBus *bus;

  if (find_pipeline (name)) {
    GST_ERROR ("pipeline name '%s' is not unique", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_UNIQUE;
  }

  pipeline = gst_pipeline_new (name);
  convert = gst_element_factory_make ("videoconvert", "dsl-pipeline-convert");
  tee = gst_element_factory_make ("tee", "dsl-pipeline-tee");
  if (!pipeline || !convert || !tee) {
    GST_ERROR ("pipeline '%s': could not create the pipeline elements", name);
    if (pipeline)
      gst_object_unref (gst_object_ref_sink (pipeline));
    if (convert)
      gst_object_unref (gst_object_ref_sink (convert));
    if (tee)
      gst_object_unref (gst_object_ref_sink (tee));
    return DSL_RESULT_PIPELINE_THREW_EXCEPTION;
  }
  /* Keep state messages on the way to NULL, for the listeners. */
  g_object_set (pipeline, "auto-flush-bus", FALSE, NULL);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), convert, tee, NULL);
  gst_element_link (convert, tee);

  self = g_new0 (DslPipeline, 1);
  self->ref_count = 1;
  self->name = g_strdup (name);
  self->pipeline = gst_object_ref_sink (pipeline);
  self->convert = convert;
  self->tee = tee;
  self->children = g_ptr_array_new_with_free_func (child_free);
  self->state_listeners = dsl_listeners_new ();
  self->eos_listeners = dsl_listeners_new ();

  /* On the global default context, whichever thread creates us. */
  bus = gst_element_get_bus (pipeline);
  self->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_watch, G_SOURCE_FUNC (bus_message), self,
      NULL);
  g_source_set_name (self->bus_watch, "dsl-pipeline-bus");
  g_source_attach (self->bus_watch, g_main_context_default ());
  gst_object_unref (bus);

  g_hash_table_insert (pipelines, self->name, self);
  g_ptr_array_add (pipeline_order, self);
  GST_INFO ("new pipeline '%s'", name);
  return DSL_RESULT_SUCCESS;
}

/* ---------------------------------------------------------------------
 * Branches of the raw-video tee
 * ------------------------------------------------------------------ */

DslTeeBranch *
dsl_pipeline_add_branch (DslPipeline * self, GstElement * bin)
{
  DslTeeBranch *branch;
  GstPad *sink_pad;

  g_return_val_if_fail (self != NULL && GST_IS_BIN (bin), NULL);
  sink_pad = gst_element_get_static_pad (bin, "sink");
  if (!sink_pad) {
    GST_ERROR ("pipeline '%s': %s has no sink pad", self->name,
        GST_OBJECT_NAME (bin));
    return NULL;
  }
  if (!gst_bin_add (GST_BIN (self->pipeline), bin)) {
    GST_ERROR ("pipeline '%s': cannot add %s", self->name,
        GST_OBJECT_NAME (bin));
    gst_object_unref (sink_pad);
    return NULL;
  }
  /* running before it is linked: the tee never pushes into a flushing
   * branch */
  gst_element_sync_state_with_parent (bin);
  branch = dsl_tee_branch_new (self->tee, sink_pad);
  gst_object_unref (sink_pad);
  if (!branch) {
    gst_element_set_state (bin, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self->pipeline), bin);
  }
  return branch;
}

typedef struct
{
  DslTeeBranch *branch;
  GstElement *bin;                 /* reference */
  DslComponent *component;         /* reference, or NULL */
} Leaving;

/* Main context: the branch is off the tee; its bin stops and leaves. */
static void
leaving_unlinked (gpointer data)
{
  Leaving *leaving = data;
  GstObject *parent;

  gst_element_set_state (leaving->bin, GST_STATE_NULL);
  if ((parent = gst_object_get_parent (GST_OBJECT (leaving->bin)))) {
    gst_bin_remove (GST_BIN (parent), leaving->bin);
    gst_object_unref (parent);
  }
  if (leaving->component && leaving->component->input == leaving->branch)
    leaving->component->input = NULL;
}

static void
leaving_free (gpointer data)
{
  Leaving *leaving = data;

  dsl_tee_branch_free (leaving->branch);
  gst_object_unref (leaving->bin);
  if (leaving->component)
    dsl_component_unref (leaving->component);
  g_free (leaving);
}

static void
remove_branch (DslTeeBranch * branch, GstElement * bin,
    DslComponent * component)
{
  Leaving *leaving = g_new0 (Leaving, 1);

  leaving->branch = branch;
  leaving->bin = gst_object_ref (bin);
  leaving->component = component ? dsl_component_ref (component) : NULL;
  dsl_tee_branch_unlink (branch, leaving_unlinked, leaving, leaving_free);
}

void
dsl_pipeline_remove_branch (DslTeeBranch * branch, GstElement * bin)
{
  g_return_if_fail (branch != NULL && GST_IS_ELEMENT (bin));
  remove_branch (branch, bin, NULL);
}

/* Takes a child out of the GstPipeline; the caller drops the Child. A sink
 * on the tee leaves once its branch is idle, without waiting here. */
static void
detach_child (DslPipeline * self, Child * child)
{
  DslComponent *component = child->component;

  component->pipeline = NULL;
  if (component->input) {
    remove_branch (component->input, component->bin, component);
    return;
  }
  if (component == self->source) {
    gst_element_unlink (component->bin, self->convert);
    self->source = NULL;
  }
  gst_element_set_state (component->bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), component->bin);
}

static void
delete_pipeline (DslPipeline * self)
{
  GstBus *bus;

  if (self->deleted)
    return;
  GST_INFO ("deleting pipeline '%s'", self->name);
  self->deleted = TRUE;
  g_hash_table_remove (pipelines, self->name);
  g_ptr_array_remove (pipeline_order, self);
  dsl_listeners_clear (self->state_listeners);
  dsl_listeners_clear (self->eos_listeners);

  stop_pipeline (self);
  while (self->children->len > 0) {
    Child *child = g_ptr_array_steal_index (self->children,
        self->children->len - 1);

    if (child->component->klass->removing)
      child->component->klass->removing (child->component, self);
    detach_child (self, child);
    child_free (child);
  }

  g_source_destroy (self->bus_watch);
  g_source_unref (self->bus_watch);
  self->bus_watch = NULL;
  /* Drop what is still queued: messages hold references. */
  bus = gst_element_get_bus (self->pipeline);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);

  pipeline_unref (self);
}

DslReturnType
dsl_pipeline_delete_by_name (const gchar * name)
{
  DslPipeline *self = find_pipeline (name);

  if (!self) {
    GST_ERROR ("pipeline '%s' was not found", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_FOUND;
  }
  delete_pipeline (self);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_delete_all_pipelines (void)
{
  ensure_registry ();
  while (pipeline_order->len > 0)
    delete_pipeline (g_ptr_array_index (pipeline_order,
            pipeline_order->len - 1));
  return DSL_RESULT_SUCCESS;
}

guint
dsl_pipeline_count (void)
{
  ensure_registry ();
  return g_hash_table_size (pipelines);
}

/* ---------------------------------------------------------------------
 * Components
 * ------------------------------------------------------------------ */

static DslReturnType
attach_source (DslPipeline * self, DslComponent * component)
{
  if (self->source) {
    GST_ERROR ("pipeline '%s' already has source '%s'; cannot add '%s'",
        self->name, self->source->name, component->name);
    return DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED;
  }
  if (!is_stopped (self)) {
    GST_ERROR ("pipeline '%s': source '%s' can only be added while stopped",
        self->name, component->name);
    return DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED;
  }
  if (!gst_bin_add (GST_BIN (self->pipeline), component->bin)) {
    GST_ERROR ("pipeline '%s': cannot add the bin of '%s'", self->name,
        component->name);
    return DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED;
  }
  if (!gst_element_link_pads (component->bin, "src", self->convert, "sink")) {
    GST_ERROR ("pipeline '%s': cannot link source '%s'", self->name,
        component->name);
    gst_bin_remove (GST_BIN (self->pipeline), component->bin);
    return DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED;
  }
  gst_element_sync_state_with_parent (component->bin);
  self->source = component;
  return DSL_RESULT_SUCCESS;
}

/* A sink with a sink pad goes on a branch of the tee; one without takes
 * its input itself (a WebRTC Sink: from a shared stream, in its added
 * hook), so its bin only joins the pipeline. */
static DslReturnType
attach_sink (DslPipeline * self, DslComponent * component)
{
  GstPad *sink_pad = gst_element_get_static_pad (component->bin, "sink");

  if (sink_pad) {
    gst_object_unref (sink_pad);
    component->input = dsl_pipeline_add_branch (self, component->bin);
    if (!component->input) {
      GST_ERROR ("pipeline '%s': cannot link sink '%s'", self->name,
          component->name);
      return DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED;
    }
    return DSL_RESULT_SUCCESS;
  }
  if (!gst_bin_add (GST_BIN (self->pipeline), component->bin)) {
    GST_ERROR ("pipeline '%s': cannot add the bin of '%s'", self->name,
        component->name);
    return DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED;
  }
  gst_element_sync_state_with_parent (component->bin);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_add_component (const gchar * name, const gchar * component_name)
{
  DslPipeline *self = find_pipeline (name);
  DslComponent *component;
  DslReturnType result;
  Child *child;

  if (!self) {
    GST_ERROR ("pipeline '%s' was not found", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_FOUND;
  }
  component = dsl_component_find (component_name);
  if (!component) {
    GST_ERROR ("component '%s' was not found", component_name);
    return DSL_RESULT_COMPONENT_NAME_NOT_FOUND;
  }
  if (component->pipeline) {
    GST_ERROR ("component '%s' is in use by pipeline '%s'", component_name,
        component->pipeline->name);
    return DSL_RESULT_COMPONENT_IN_USE;
  }

  /* still leaving the tee of the pipeline it was removed from: now */
  if (component->input)
    dsl_tee_branch_unlink_now (component->input);

  if (component->klass->role == DSL_COMPONENT_SOURCE)
    result = attach_source (self, component);
  else
    result = attach_sink (self, component);
  if (result != DSL_RESULT_SUCCESS)
    return result;

  child = g_new0 (Child, 1);
  child->component = dsl_component_ref (component);
  g_ptr_array_add (self->children, child);
  component->pipeline = self;
  GST_INFO ("pipeline '%s': added %s '%s'", name,
      component->klass->type_name, component_name);

  if (component->klass->added)
    component->klass->added (component, self);
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_remove_component (const gchar * name,
    const gchar * component_name)
{
  DslPipeline *self = find_pipeline (name);
  DslComponent *component;
  Child *child;
  guint index;

  if (!self) {
    GST_ERROR ("pipeline '%s' was not found", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_FOUND;
  }
  component = dsl_component_find (component_name);
  if (!component) {
    GST_ERROR ("component '%s' was not found", component_name);
    return DSL_RESULT_COMPONENT_NAME_NOT_FOUND;
  }
  if (component->pipeline != self || !find_child (self, component, NULL)) {
    GST_ERROR ("component '%s' is not used by pipeline '%s'", component_name,
        name);
    return DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE;
  }
  if (component == self->source && !is_stopped (self)) {
    GST_ERROR ("pipeline '%s': source '%s' can only be removed while stopped",
        name, component_name);
    return DSL_RESULT_PIPELINE_COMPONENT_REMOVE_FAILED;
  }

  /* The hook may call back in: hold the pipeline and look again after. */
  pipeline_ref (self);
  if (component->klass->removing)
    component->klass->removing (component, self);
  child = find_child (self, component, &index);
  if (child && !self->deleted) {
    g_ptr_array_steal_index (self->children, index);
    detach_child (self, child);
    child_free (child);
    GST_INFO ("pipeline '%s': removed '%s'", name, component_name);
  }
  pipeline_unref (self);
  return DSL_RESULT_SUCCESS;
}

/* ---------------------------------------------------------------------
 * Services
 * ------------------------------------------------------------------ */

DslReturnType
dsl_pipeline_set_state_by_name (const gchar * name, GstState state)
{
  DslPipeline *self = find_pipeline (name);
  DslReturnType failure;
  GstStateChangeReturn ret;

  if (!self) {
    GST_ERROR ("pipeline '%s' was not found", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_FOUND;
  }

  if (state == GST_STATE_NULL) {
    if (stop_pipeline (self) == GST_STATE_CHANGE_FAILURE)
      return DSL_RESULT_PIPELINE_FAILED_TO_STOP;
    return DSL_RESULT_SUCCESS;
  }

  failure = state == GST_STATE_PLAYING ? DSL_RESULT_PIPELINE_FAILED_TO_PLAY
      : state == GST_STATE_PAUSED ? DSL_RESULT_PIPELINE_FAILED_TO_PAUSE
      : DSL_RESULT_PIPELINE_SET_FAILED;
  if (state >= GST_STATE_PAUSED && (!self->source || count_sinks (self) == 0)) {
    GST_ERROR ("pipeline '%s' needs a source and at least one sink to %s",
        name, state == GST_STATE_PLAYING ? "play" : "pause");
    return failure;
  }

  GST_INFO ("pipeline '%s': going to %s", name,
      gst_element_state_get_name (state));
  ret = gst_element_set_state (self->pipeline, state);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    GST_ERROR ("pipeline '%s': failed to go to %s", name,
        gst_element_state_get_name (state));
    stop_pipeline (self);
    return failure;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_get_state_by_name (const gchar * name, guint * state)
{
  DslPipeline *self = find_pipeline (name);

  if (!self) {
    GST_ERROR ("pipeline '%s' was not found", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_FOUND;
  }
  *state = (guint) dsl_pipeline_get_current_state (self);
  return DSL_RESULT_SUCCESS;
}

/* The four listener services differ only in the list and the words. */
static DslReturnType
change_listener (const gchar * name, gboolean eos, gboolean add,
    GCallback listener, gpointer client_data)
{
  DslPipeline *self = find_pipeline (name);
  const gchar *kind = eos ? "EOS" : "state change";
  DslListeners *listeners;

  if (!self) {
    GST_ERROR ("pipeline '%s' was not found", name);
    return DSL_RESULT_PIPELINE_NAME_NOT_FOUND;
  }
  listeners = eos ? self->eos_listeners : self->state_listeners;
  if (add && !dsl_listeners_add (listeners, listener, client_data)) {
    GST_ERROR ("pipeline '%s': this %s listener was already added", name,
        kind);
    return DSL_RESULT_PIPELINE_CALLBACK_ADD_FAILED;
  }
  if (!add && !dsl_listeners_remove (listeners, listener)) {
    GST_ERROR ("pipeline '%s': this %s listener was not found", name, kind);
    return DSL_RESULT_PIPELINE_CALLBACK_REMOVE_FAILED;
  }
  return DSL_RESULT_SUCCESS;
}

DslReturnType
dsl_pipeline_add_state_change_listener (const gchar * name,
    dsl_state_change_listener_cb listener, gpointer client_data)
{
  return change_listener (name, FALSE, TRUE, G_CALLBACK (listener),
      client_data);
}

DslReturnType
dsl_pipeline_remove_state_change_listener (const gchar * name,
    dsl_state_change_listener_cb listener)
{
  return change_listener (name, FALSE, FALSE, G_CALLBACK (listener), NULL);
}

DslReturnType
dsl_pipeline_add_eos_listener (const gchar * name,
    dsl_eos_listener_cb listener, gpointer client_data)
{
  return change_listener (name, TRUE, TRUE, G_CALLBACK (listener),
      client_data);
}

DslReturnType
dsl_pipeline_remove_eos_listener (const gchar * name,
    dsl_eos_listener_cb listener)
{
  return change_listener (name, TRUE, FALSE, G_CALLBACK (listener), NULL);
}
