/* dsl-context.h - the library's threading model in one place.
 *
 * All library state (server, transceivers, pipelines, components) belongs
 * to GLib's global-default main context, the one dsl_main_loop_run()
 * iterates. Code touches that state only while it holds the context:
 *
 *  - the thread that owns the context (the main-loop thread, inside any
 *    callback) holds it already;
 *  - any other thread entering the API either acquires the context when it
 *    is free, or parks the main-loop thread in a high-priority source until
 *    it leaves. Either way exactly one thread at a time runs library code,
 *    and callers never deadlock against a callback that calls back in.
 *
 * GStreamer's own threads (webrtcbin, libnice, streaming threads) never
 * enter: they hand work over with dsl_context_post(), which always queues
 * a source on the main context and never runs the function in place.
 */
#ifndef DSL_CONTEXT_H
#define DSL_CONTEXT_H

#include <glib.h>

G_BEGIN_DECLS

/* Initialises GStreamer and the debug categories once. Any thread. */
void dsl_context_init (void);

/* Enter/leave library code. Nesting on one thread is allowed. */
void dsl_context_enter (void);
void dsl_context_leave (void);

/* TRUE while the calling thread is inside dsl_context_enter()/leave(),
 * or owns the main context. For assertions. */
gboolean dsl_context_is_held (void);

/* Scope guard: DSL_CONTEXT_SCOPE; enters now and leaves at scope exit. */
typedef struct { int unused; } DslContextScope;
void dsl_context_scope_leave (DslContextScope *scope);
#define DSL_CONTEXT_SCOPE \
  __attribute__((cleanup (dsl_context_scope_leave), unused)) \
  DslContextScope G_PASTE (dsl_scope_, __LINE__) = (dsl_context_enter (), (DslContextScope){0})

/* Queue func(data) on the main context from any thread; destroy(data)
 * runs after it (or when the source is dropped). Returns the source id. */
guint dsl_context_post (GSourceFunc func, gpointer data, GDestroyNotify destroy);

/* Timeout on the main context, from any thread. */
guint dsl_context_timeout (guint ms, GSourceFunc func, gpointer data,
    GDestroyNotify destroy);

/* The main loop services. */
void dsl_context_main_loop_run (void);
void dsl_context_main_loop_quit (void);

G_END_DECLS

#endif /* DSL_CONTEXT_H */
