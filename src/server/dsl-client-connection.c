/* dsl-client-connection.c - see dsl-client-connection.h */
#include "server/dsl-client-connection.h"
#include "server/dsl-websocket-close.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_server_debug

/* ------------------------------------------------------------------ */
/* The meter: what both streams of one connection record. Shared, as the
 * streams may outlive the connection object in libsoup's hands. */

typedef struct
{
  gint ref_count;
  GOutputStream *raw_output;   /* the socket's own, for a last close frame */
  gint64 last_input;
  guint64 bytes_in;
  gint64 blocked_since;
  gdouble tokens;
  gsize burst, rate;
  gint64 refilled_at;
  gushort close_code;
  gboolean exhausted;
} Meter;

static Meter *
meter_ref (Meter * meter)
{
  g_atomic_int_inc (&meter->ref_count);
  return meter;
}

static void
meter_unref (Meter * meter)
{
  if (!g_atomic_int_dec_and_test (&meter->ref_count))
    return;
  g_clear_object (&meter->raw_output);
  g_free (meter);
}

static void
meter_refill (Meter * meter, gint64 now)
{
  gdouble seconds = (now - meter->refilled_at) / (gdouble) G_USEC_PER_SEC;

  /* refills up to the burst; what was let in beyond it stays */
  if (meter->tokens < meter->burst)
    meter->tokens = MIN ((gdouble) meter->burst,
        meter->tokens + seconds * meter->rate);
  meter->refilled_at = now;
}

/* FALSE (with error set) when the peer has used up its budget. */
static gboolean
meter_may_read (Meter * meter, GError ** error)
{
  if (!meter->exhausted) {
    meter_refill (meter, g_get_monotonic_time ());
    if (meter->tokens > 0)
      return TRUE;
    meter->exhausted = TRUE;
    GST_INFO ("a client sent more than its input budget (%" G_GSIZE_FORMAT
        " bytes at once, %" G_GSIZE_FORMAT " bytes/s): dropping it",
        meter->burst, meter->rate);
    /* a close frame now cannot split one of libsoup's: none is half
     * written while nothing blocks */
    if (meter->close_code && !meter->blocked_since)
      dsl_websocket_write_close_frame (meter->raw_output, meter->close_code,
          "too much data");
  }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
      "the client sent more than its input budget");
  return FALSE;
}

static void
meter_count_input (Meter * meter, gssize n)
{
  if (n <= 0)
    return;
  meter->bytes_in += n;
  meter->tokens -= n;
  meter->last_input = g_get_monotonic_time ();
}

static void
meter_count_output (Meter * meter, gssize n, gsize count)
{
  if (n >= 0 && (gsize) n == count)
    meter->blocked_since = 0;
  else if (!meter->blocked_since)
    meter->blocked_since = g_get_monotonic_time ();
}

/* ------------------------------------------------------------------ */
/* The metered input stream */

typedef struct
{
  GInputStream parent;
  GInputStream *base;
  Meter *meter;
} MeteredInput;

typedef GInputStreamClass MeteredInputClass;

static void metered_input_pollable_init (GPollableInputStreamInterface * iface);

G_DEFINE_TYPE_WITH_CODE (MeteredInput, metered_input, G_TYPE_INPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
        metered_input_pollable_init))

static gssize
metered_input_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  MeteredInput *self = (MeteredInput *) stream;
  gssize n;

  if (!meter_may_read (self->meter, error))
    return -1;
  n = g_input_stream_read (self->base, buffer, count, cancellable, error);
  meter_count_input (self->meter, n);
  return n;
}

static gboolean
metered_input_close (GInputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  /* the connection closes the socket */
  return TRUE;
}

static gboolean
metered_input_can_poll (GPollableInputStream * stream)
{
  return TRUE;
}

static gboolean
metered_input_is_readable (GPollableInputStream * stream)
{
  MeteredInput *self = (MeteredInput *) stream;

  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM
      (self->base));
}

static GSource *
metered_input_create_source (GPollableInputStream * stream,
    GCancellable * cancellable)
{
  MeteredInput *self = (MeteredInput *) stream;
  GSource *base = g_pollable_input_stream_create_source
      (G_POLLABLE_INPUT_STREAM (self->base), NULL);
  GSource *source = g_pollable_source_new_full (stream, base, cancellable);

  g_source_unref (base);
  return source;
}

static gssize
metered_input_read_nonblocking (GPollableInputStream * stream, void *buffer,
    gsize count, GError ** error)
{
  MeteredInput *self = (MeteredInput *) stream;
  gssize n;

  if (!meter_may_read (self->meter, error))
    return -1;
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM
      (self->base), buffer, count, NULL, error);
  meter_count_input (self->meter, n);
  return n;
}

static void
metered_input_finalize (GObject * object)
{
  MeteredInput *self = (MeteredInput *) object;

  g_object_unref (self->base);
  meter_unref (self->meter);
  G_OBJECT_CLASS (metered_input_parent_class)->finalize (object);
}

static void
metered_input_class_init (MeteredInputClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = metered_input_finalize;
  klass->read_fn = metered_input_read;
  klass->close_fn = metered_input_close;
}

static void
metered_input_pollable_init (GPollableInputStreamInterface * iface)
{
  iface->can_poll = metered_input_can_poll;
  iface->is_readable = metered_input_is_readable;
  iface->create_source = metered_input_create_source;
  iface->read_nonblocking = metered_input_read_nonblocking;
}

static void
metered_input_init (MeteredInput * self)
{
}

/* ------------------------------------------------------------------ */
/* The metered output stream */

typedef struct
{
  GOutputStream parent;
  GOutputStream *base;
  Meter *meter;
} MeteredOutput;

typedef GOutputStreamClass MeteredOutputClass;

static void metered_output_pollable_init (GPollableOutputStreamInterface *
    iface);

G_DEFINE_TYPE_WITH_CODE (MeteredOutput, metered_output, G_TYPE_OUTPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
        metered_output_pollable_init))

static gssize
metered_output_write (GOutputStream * stream, const void *buffer,
    gsize count, GCancellable * cancellable, GError ** error)
{
  MeteredOutput *self = (MeteredOutput *) stream;
  gssize n = g_output_stream_write (self->base, buffer, count, cancellable,
      error);

  meter_count_output (self->meter, n, count);
  return n;
}

static gboolean
metered_output_flush (GOutputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  MeteredOutput *self = (MeteredOutput *) stream;

  return g_output_stream_flush (self->base, cancellable, error);
}

static gboolean
metered_output_close (GOutputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  return TRUE;
}

static gboolean
metered_output_can_poll (GPollableOutputStream * stream)
{
  return TRUE;
}

static gboolean
metered_output_is_writable (GPollableOutputStream * stream)
{
  MeteredOutput *self = (MeteredOutput *) stream;

  return g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM
      (self->base));
}

static GSource *
metered_output_create_source (GPollableOutputStream * stream,
    GCancellable * cancellable)
{
  MeteredOutput *self = (MeteredOutput *) stream;
  GSource *base = g_pollable_output_stream_create_source
      (G_POLLABLE_OUTPUT_STREAM (self->base), NULL);
  GSource *source = g_pollable_source_new_full (stream, base, cancellable);

  g_source_unref (base);
  return source;
}

static gssize
metered_output_write_nonblocking (GPollableOutputStream * stream,
    const void *buffer, gsize count, GError ** error)
{
  MeteredOutput *self = (MeteredOutput *) stream;
  gssize n = g_pollable_output_stream_write_nonblocking
      (G_POLLABLE_OUTPUT_STREAM (self->base), buffer, count, NULL, error);

  meter_count_output (self->meter, n, count);
  return n;
}

static void
metered_output_finalize (GObject * object)
{
  MeteredOutput *self = (MeteredOutput *) object;

  g_object_unref (self->base);
  meter_unref (self->meter);
  G_OBJECT_CLASS (metered_output_parent_class)->finalize (object);
}

static void
metered_output_class_init (MeteredOutputClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = metered_output_finalize;
  klass->write_fn = metered_output_write;
  klass->flush = metered_output_flush;
  klass->close_fn = metered_output_close;
}

static void
metered_output_pollable_init (GPollableOutputStreamInterface * iface)
{
  iface->can_poll = metered_output_can_poll;
  iface->is_writable = metered_output_is_writable;
  iface->create_source = metered_output_create_source;
  iface->write_nonblocking = metered_output_write_nonblocking;
}

static void
metered_output_init (MeteredOutput * self)
{
}

/* ------------------------------------------------------------------ */
/* The connection */

struct _DslClientConnection
{
  GTcpConnection parent;
  Meter *meter;
  GInputStream *input;
  GOutputStream *output;
};

G_DEFINE_FINAL_TYPE (DslClientConnection, dsl_client_connection,
    G_TYPE_TCP_CONNECTION)

static GInputStream *
get_input_stream (GIOStream * stream)
{
  DslClientConnection *self = DSL_CLIENT_CONNECTION (stream);

  if (!self->input) {
    MeteredInput *input = g_object_new (metered_input_get_type (), NULL);

    input->base = g_object_ref (G_IO_STREAM_CLASS
        (dsl_client_connection_parent_class)->get_input_stream (stream));
    input->meter = meter_ref (self->meter);
    self->input = G_INPUT_STREAM (input);
  }
  return self->input;
}

static GOutputStream *
get_output_stream (GIOStream * stream)
{
  DslClientConnection *self = DSL_CLIENT_CONNECTION (stream);

  if (!self->output) {
    MeteredOutput *output = g_object_new (metered_output_get_type (), NULL);

    output->base = g_object_ref (G_IO_STREAM_CLASS
        (dsl_client_connection_parent_class)->get_output_stream (stream));
    output->meter = meter_ref (self->meter);
    self->output = G_OUTPUT_STREAM (output);
  }
  return self->output;
}

static void
dsl_client_connection_finalize (GObject * object)
{
  DslClientConnection *self = DSL_CLIENT_CONNECTION (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  meter_unref (self->meter);
  G_OBJECT_CLASS (dsl_client_connection_parent_class)->finalize (object);
}

static void
dsl_client_connection_class_init (DslClientConnectionClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = dsl_client_connection_finalize;
  G_IO_STREAM_CLASS (klass)->get_input_stream = get_input_stream;
  G_IO_STREAM_CLASS (klass)->get_output_stream = get_output_stream;
}

static void
dsl_client_connection_init (DslClientConnection * self)
{
  self->meter = g_new0 (Meter, 1);
  self->meter->ref_count = 1;
  self->meter->last_input = self->meter->refilled_at = g_get_monotonic_time ();
}

DslClientConnection *
dsl_client_connection_new (GSocket * socket)
{
  DslClientConnection *self;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  self = g_object_new (DSL_TYPE_CLIENT_CONNECTION, "socket", socket, NULL);
  self->meter->raw_output = g_object_ref (G_IO_STREAM_CLASS
      (dsl_client_connection_parent_class)->get_output_stream (G_IO_STREAM
          (self)));
  return self;
}

void
dsl_client_connection_set_budget (DslClientConnection * self, gsize burst,
    gsize rate)
{
  g_return_if_fail (DSL_IS_CLIENT_CONNECTION (self));

  self->meter->burst = burst;
  self->meter->rate = rate;
  self->meter->tokens = burst;
  self->meter->refilled_at = g_get_monotonic_time ();
}

void
dsl_client_connection_add_budget (DslClientConnection * self, gsize bytes)
{
  g_return_if_fail (DSL_IS_CLIENT_CONNECTION (self));

  meter_refill (self->meter, g_get_monotonic_time ());
  self->meter->tokens += bytes;
}

void
dsl_client_connection_set_close_code (DslClientConnection * self,
    gushort code)
{
  g_return_if_fail (DSL_IS_CLIENT_CONNECTION (self));

  self->meter->close_code = code;
}

gint64
dsl_client_connection_get_last_input (DslClientConnection * self)
{
  return self->meter->last_input;
}

guint64
dsl_client_connection_get_bytes_in (DslClientConnection * self)
{
  return self->meter->bytes_in;
}

gint64
dsl_client_connection_get_blocked_since (DslClientConnection * self)
{
  return self->meter->blocked_since;
}

gboolean
dsl_client_connection_is_closed (DslClientConnection * self)
{
  return g_io_stream_is_closed (G_IO_STREAM (self))
      || g_socket_is_closed (g_socket_connection_get_socket
      (G_SOCKET_CONNECTION (self)));
}

void
dsl_client_connection_abort (DslClientConnection * self)
{
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (self));

  if (!g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}
