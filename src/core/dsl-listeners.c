/* dsl-listeners.c - see dsl-listeners.h */
#include "core/dsl-listeners.h"

typedef struct
{
  GCallback func;
  gpointer client_data;
  gboolean removed;
} Listener;                    /* GRcBox: a snapshot holds it too */

struct _DslListeners
{
  GPtrArray *listeners;        /* Listener*, in the order added */
};

DslListeners *
dsl_listeners_new (void)
{
  DslListeners *self = g_new0 (DslListeners, 1);

  self->listeners =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_rc_box_release);
  return self;
}

void
dsl_listeners_free (DslListeners * self)
{
  dsl_listeners_clear (self);
  g_ptr_array_unref (self->listeners);
  g_free (self);
}

static gint
find (DslListeners * self, GCallback func)
{
  for (guint i = 0; i < self->listeners->len; i++)
    if (((Listener *) g_ptr_array_index (self->listeners, i))->func == func)
      return (gint) i;
  return -1;
}

gboolean
dsl_listeners_add (DslListeners * self, GCallback func, gpointer client_data)
{
  Listener *listener;

  g_return_val_if_fail (func != NULL, FALSE);

  if (find (self, func) >= 0)
    return FALSE;
  listener = g_rc_box_new0 (Listener);
  listener->func = func;
  listener->client_data = client_data;
  g_ptr_array_add (self->listeners, listener);
  return TRUE;
}

gboolean
dsl_listeners_remove (DslListeners * self, GCallback func)
{
  gint i = find (self, func);

  if (i < 0)
    return FALSE;
  ((Listener *) g_ptr_array_index (self->listeners, i))->removed = TRUE;
  g_ptr_array_remove_index (self->listeners, i);
  return TRUE;
}

void
dsl_listeners_clear (DslListeners * self)
{
  for (guint i = 0; i < self->listeners->len; i++)
    ((Listener *) g_ptr_array_index (self->listeners, i))->removed = TRUE;
  g_ptr_array_set_size (self->listeners, 0);
}

void
dsl_listeners_call (DslListeners * self, DslListenerCall call, gpointer data)
{
  g_autoptr (GPtrArray) snapshot =
      g_ptr_array_new_full (self->listeners->len,
      (GDestroyNotify) g_rc_box_release);

  for (guint i = 0; i < self->listeners->len; i++)
    g_ptr_array_add (snapshot,
        g_rc_box_acquire (g_ptr_array_index (self->listeners, i)));
  for (guint i = 0; i < snapshot->len; i++) {
    Listener *listener = g_ptr_array_index (snapshot, i);

    if (!listener->removed)
      call (listener->func, listener->client_data, data);
  }
}
