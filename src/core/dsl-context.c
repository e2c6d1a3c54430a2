/* dsl-context.c - see dsl-context.h for the model. */
#include "dsl-context.h"
#include "dsl-log.h"

#include <gst/gst.h>
#include <glib-unix.h>
#include <signal.h>

GST_DEBUG_CATEGORY (dsl_api_debug);
GST_DEBUG_CATEGORY (dsl_server_debug);
GST_DEBUG_CATEGORY (dsl_pipeline_debug);
GST_DEBUG_CATEGORY (dsl_sink_debug);
GST_DEBUG_CATEGORY (dsl_session_debug);

#define GST_CAT_DEFAULT dsl_api_debug

void
dsl_context_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    if (!gst_is_initialized ())
      gst_init (NULL, NULL);
    GST_DEBUG_CATEGORY_INIT (dsl_api_debug, "dsl-api", 0, "DSL API glue");
    GST_DEBUG_CATEGORY_INIT (dsl_server_debug, "dsl-server", 0,
        "DSL WebSocket Server");
    GST_DEBUG_CATEGORY_INIT (dsl_pipeline_debug, "dsl-pipeline", 0,
        "DSL Pipelines and Components");
    GST_DEBUG_CATEGORY_INIT (dsl_sink_debug, "dsl-sink", 0, "DSL WebRTC Sink");
    GST_DEBUG_CATEGORY_INIT (dsl_session_debug, "dsl-session", 0,
        "DSL WebRTC sessions (one per viewer)");
    g_once_init_leave (&once, 1);
  }
}

/* A request from a thread that found the main context owned by another
 * thread: the owner parks in park_dispatch() until the requester leaves. */
typedef enum
{
  PARK_REQUESTED,
  PARK_PARKED,
  PARK_RELEASED,
  PARK_CANCELLED,
} ParkState;

typedef struct
{
  gint ref_count;      /* the requester and the parked source */
  GMutex lock;
  GCond cond;
  ParkState state;
} Park;

typedef enum
{
  HOLD_NONE,
  HOLD_OWNER,          /* the thread already owned the main context */
  HOLD_ACQUIRED,       /* we acquired the free main context */
  HOLD_PARKED,         /* the owner is parked for us */
} HoldMode;

typedef struct
{
  guint depth;
  HoldMode mode;
  Park *park;
} ThreadHold;

static GPrivate thread_hold_key = G_PRIVATE_INIT (g_free);

static ThreadHold *
thread_hold (void)
{
  ThreadHold *hold = g_private_get (&thread_hold_key);

  if (!hold) {
    hold = g_new0 (ThreadHold, 1);
    g_private_set (&thread_hold_key, hold);
  }
  return hold;
}

static gboolean
park_dispatch (gpointer data)
{
  Park *park = data;

  g_mutex_lock (&park->lock);
  if (park->state == PARK_REQUESTED) {
    park->state = PARK_PARKED;
    g_cond_broadcast (&park->cond);
    while (park->state != PARK_RELEASED)
      g_cond_wait (&park->cond, &park->lock);
  }
  g_mutex_unlock (&park->lock);
  return G_SOURCE_REMOVE;
}

static void
park_unref (gpointer data)
{
  Park *park = data;

  if (!g_atomic_int_dec_and_test (&park->ref_count))
    return;
  g_mutex_clear (&park->lock);
  g_cond_clear (&park->cond);
  g_free (park);
}

static HoldMode
hold_main_context (Park ** park_out)
{
  GMainContext *ctx = g_main_context_default ();
  GSource *source;
  Park *park;

  if (g_main_context_is_owner (ctx))
    return HOLD_OWNER;
  if (g_main_context_acquire (ctx))
    return HOLD_ACQUIRED;

  park = g_new0 (Park, 1);
  park->ref_count = 2;
  g_mutex_init (&park->lock);
  g_cond_init (&park->cond);
  park->state = PARK_REQUESTED;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_name (source, "dsl-context-park");
  g_source_set_callback (source, park_dispatch, park, park_unref);
  g_source_attach (source, ctx);

  g_mutex_lock (&park->lock);
  while (park->state == PARK_REQUESTED) {
    gint64 until = g_get_monotonic_time () + 20 * G_TIME_SPAN_MILLISECOND;

    if (g_cond_wait_until (&park->cond, &park->lock, until))
      continue;
    /* Nobody dispatched the request yet: the owner may have left its loop.
     * Take the context ourselves if it became free. */
    if (g_main_context_acquire (ctx)) {
      park->state = PARK_CANCELLED;
      g_mutex_unlock (&park->lock);
      g_source_destroy (source);
      g_source_unref (source);
      park_unref (park);
      return HOLD_ACQUIRED;
    }
  }
  g_mutex_unlock (&park->lock);
  g_source_unref (source);
  *park_out = park;
  return HOLD_PARKED;
}

void
dsl_context_enter (void)
{
  ThreadHold *hold;

  dsl_context_init ();
  hold = thread_hold ();
  if (hold->depth++ > 0)
    return;
  hold->mode = hold_main_context (&hold->park);
}

void
dsl_context_leave (void)
{
  ThreadHold *hold = thread_hold ();
  Park *park;

  g_return_if_fail (hold->depth > 0);
  if (--hold->depth > 0)
    return;

  switch (hold->mode) {
    case HOLD_ACQUIRED:
      g_main_context_release (g_main_context_default ());
      break;
    case HOLD_PARKED:
      park = hold->park;
      hold->park = NULL;
      g_mutex_lock (&park->lock);
      park->state = PARK_RELEASED;
      g_cond_broadcast (&park->cond);
      g_mutex_unlock (&park->lock);
      park_unref (park);
      break;
    default:
      break;
  }
  hold->mode = HOLD_NONE;
}

gboolean
dsl_context_is_held (void)
{
  return thread_hold ()->depth > 0
      || g_main_context_is_owner (g_main_context_default ());
}

void
dsl_context_scope_leave (DslContextScope * scope)
{
  (void) scope;
  dsl_context_leave ();
}

guint
dsl_context_post (GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();
  guint id;

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  id = g_source_attach (source, g_main_context_default ());
  g_source_unref (source);
  return id;
}

guint
dsl_context_timeout (guint ms, GSourceFunc func, gpointer data,
    GDestroyNotify destroy)
{
  GSource *source = g_timeout_source_new (ms);
  guint id;

  g_source_set_callback (source, func, data, destroy);
  id = g_source_attach (source, g_main_context_default ());
  g_source_unref (source);
  return id;
}

/* The loop dsl_main_loop_run() runs; quit may come from any thread. */
static GMutex loop_lock;
static GMainLoop *main_loop;

static gboolean
quit_on_signal (gpointer unused)
{
  GST_INFO ("signal received: quitting the main loop");
  dsl_context_main_loop_quit ();
  return G_SOURCE_CONTINUE;
}

void
dsl_context_main_loop_run (void)
{
  GMainLoop *loop;
  guint sigint, sigterm;
  struct sigaction old_sigint, old_sigterm;

  dsl_context_init ();
  g_mutex_lock (&loop_lock);
  if (main_loop) {
    g_mutex_unlock (&loop_lock);
    GST_WARNING ("dsl_main_loop_run: the main loop is already running");
    return;
  }
  loop = main_loop = g_main_loop_new (NULL, FALSE);
  g_mutex_unlock (&loop_lock);

  /* as in DSL, Ctrl-C (and SIGTERM) quit the loop; the application's
   * own handlers come back afterwards (GLib would leave the defaults) */
  sigaction (SIGINT, NULL, &old_sigint);
  sigaction (SIGTERM, NULL, &old_sigterm);
  sigint = g_unix_signal_add (SIGINT, quit_on_signal, NULL);
  sigterm = g_unix_signal_add (SIGTERM, quit_on_signal, NULL);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  sigaction (SIGINT, &old_sigint, NULL);
  sigaction (SIGTERM, &old_sigterm, NULL);

  g_mutex_lock (&loop_lock);
  main_loop = NULL;
  g_mutex_unlock (&loop_lock);
  g_main_loop_unref (loop);
}

void
dsl_context_main_loop_quit (void)
{
  g_mutex_lock (&loop_lock);
  if (main_loop)
    g_main_loop_quit (main_loop);
  g_mutex_unlock (&loop_lock);
}
