/* dsl-listeners.h - an application's listeners of one kind, in the order
 * added, each a function pointer (its identity) and its client_data.
 *
 * Calling them goes over a snapshot, so a listener may add or remove
 * listeners, itself included: one removed before its turn is not called.
 * Main context only.
 */
#ifndef DSL_LISTENERS_H
#define DSL_LISTENERS_H

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _DslListeners DslListeners;

/* Calls one listener: func is what was added, cast back by the caller. */
typedef void (*DslListenerCall) (GCallback func, gpointer client_data,
    gpointer data);

DslListeners *dsl_listeners_new (void);
void dsl_listeners_free (DslListeners * self);

/* FALSE when func was added already. */
gboolean dsl_listeners_add (DslListeners * self, GCallback func,
    gpointer client_data);
/* FALSE when func was not added. */
gboolean dsl_listeners_remove (DslListeners * self, GCallback func);
void dsl_listeners_clear (DslListeners * self);

/* call (func, client_data, data) for each listener, in the order added. */
void dsl_listeners_call (DslListeners * self, DslListenerCall call,
    gpointer data);

G_END_DECLS

#endif /* DSL_LISTENERS_H */
