/* dsl-metrics.h - what the WebSocket Server counts, and GET /metrics: the
 * same figures in the Prometheus text exposition format (version 0.0.4).
 *
 * One set of figures per process, like the server singleton it belongs
 * to. The server and its connection guard count as things happen
 * (connections accepted, refused and dropped, by reason); viewers are
 * followed from the moment the server hands a WebSocket or a WHEP session
 * to a transceiver until it closes. Their media figures (bytes, packets, loss,
 * key-frame requests) are read from their WebRTC Sinks when /metrics is
 * scraped and once a second while metrics are on; a viewer that leaves
 * adds the last figures read to totals kept here, so every counter only
 * grows. Nothing is collected or served while metrics are off (the
 * default): /metrics is then an unknown path like any other.
 *
 * Every function runs with the main context held.
 */
#ifndef DSL_METRICS_H
#define DSL_METRICS_H

#include <libsoup/soup.h>
#include "server/dsl-signaling-transceiver.h"
#include "server/dsl-connection-guard.h"
#include "DslApi.h"

G_BEGIN_DECLS

#define DSL_METRICS_PATH "/metrics"
#define DSL_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Why a connection or a WebSocket was turned away. */
typedef enum
{
  DSL_REFUSED_ORIGIN,          /* 403: the Origin allow-list */
  DSL_REFUSED_TOKEN,           /* 401: no token, a wrong one, or the listener said no */
  DSL_REFUSED_WEBSOCKET_LIMIT, /* 503: max_websockets are open */
  DSL_REFUSED_NO_TRANSCEIVER,  /* 1013: nobody to hand the WebSocket to */
  DSL_REFUSED_PENDING_LIMIT,   /* closed: the oldest of max_pending */
  DSL_REFUSED_HEADER_TIMEOUT,  /* closed: no whole request in time */
  DSL_REFUSED_FD_LIMIT,        /* closed: out of file descriptors */
  DSL_REFUSED_TLS_HANDSHAKE,   /* the TLS handshake failed */
  DSL_REFUSED_N
} DslRefusal;

/* Why the guard ended a connection it had let in. */
typedef enum
{
  DSL_DROPPED_IDLE,            /* keep-alive HTTP connection idle too long */
  DSL_DROPPED_UNREAD_RESPONSE, /* an answer not read within the idle timeout */
  DSL_DROPPED_NO_PONG,         /* a WebSocket silent for the pong timeout */
  DSL_DROPPED_BLOCKED,         /* a WebSocket that read nothing we sent */
  DSL_DROPPED_N
} DslDrop;

void dsl_metrics_count_accepted (void);
void dsl_metrics_count_refused (DslRefusal reason);
void dsl_metrics_count_dropped (DslDrop reason);

/* The server hands a viewer's channel (WebSocket or WHEP) to transceiver:
 * a viewer of the channel's path until the channel closes. Call it before
 * the transceiver's connect. */
void dsl_metrics_viewer_connected (DslSignalingTransceiver * transceiver,
    DslSignalingChannel * channel);

/* transceiver leaves the server (it may be freed next): its viewers keep
 * the figures last read from it. */
void dsl_metrics_transceiver_gone (DslSignalingTransceiver * transceiver);

void dsl_metrics_set_enabled (gboolean enabled);
gboolean dsl_metrics_get_enabled (void);

/* What only the server knows, at the moment of a scrape. */
typedef struct
{
  const gchar *const *paths;   /* the served WebSocket paths, NULL-terminated */
  const GPtrArray *transceivers;       /* DslSignalingTransceiver*, registered now */
  DslConnectionGuard *guard;
} DslMetricsServerState;

/* Implemented by the server (dsl-websocket-server.c): its state now. */
void dsl_websocket_server_get_metrics_state (DslMetricsServerState * state);

/* The exposition text for state and everything counted here. */
GString *dsl_metrics_render (const DslMetricsServerState * state);

/* Answers msg (GET or HEAD on DSL_METRICS_PATH, let in by the access
 * rules already) with the exposition; other methods get 405. */
void dsl_metrics_serve (SoupServerMessage * msg,
    const DslMetricsServerState * state);

/* Appends s to out as a label value (or HELP text when help): backslash,
 * double quote (label values only) and line feed escaped, invalid UTF-8
 * replaced. */
void dsl_metrics_append_escaped (GString * out, const gchar * s,
    gboolean help);


G_END_DECLS

#endif /* DSL_METRICS_H */
