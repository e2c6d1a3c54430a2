/* dsl-signaling-message.c */
#include "signaling/dsl-signaling-message.h"
#include "signaling/dsl-ice-server.h"

#include <json-glib/json-glib.h>
#include <string.h>

static gchar *
to_text (JsonBuilder * builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static JsonBuilder *
begin (const gchar * type)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  return builder;
}

static gchar *
end (JsonBuilder * builder)
{
  gchar *text;

  json_builder_end_object (builder);
  json_builder_end_object (builder);
  text = to_text (builder);
  g_object_unref (builder);
  return text;
}

/* One RTCIceServer for a browser; nothing for a URI it cannot read. */
static void
add_ice_server (JsonBuilder * builder, const gchar * uri)
{
  DslIceServer server;

  if (!dsl_ice_server_parse (uri, &server))
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "urls");
  json_builder_add_string_value (builder, server.url);
  if (server.username) {
    json_builder_set_member_name (builder, "username");
    json_builder_add_string_value (builder, server.username);
    json_builder_set_member_name (builder, "credential");
    json_builder_add_string_value (builder, server.credential);
  }
  json_builder_end_object (builder);
  dsl_ice_server_clear (&server);
}

gchar *
dsl_signaling_message_offer (const GstSDPMessage * sdp,
    const gchar * stun_server, const gchar * turn_server, gboolean relay_only)
{
  JsonBuilder *builder = begin ("sdp");
  g_autofree gchar *text = gst_sdp_message_as_text (sdp);

  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "offer");
  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, text);
  /* extension: what the viewer's RTCPeerConnection should use, so a page
   * behind NAT reaches the same STUN/TURN servers (DSL's clients read
   * neither member) */
  json_builder_set_member_name (builder, "iceServers");
  json_builder_begin_array (builder);
  add_ice_server (builder, stun_server);
  add_ice_server (builder, turn_server);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "iceTransportPolicy");
  json_builder_add_string_value (builder, relay_only ? "relay" : "all");
  return end (builder);
}

gchar *
dsl_signaling_message_ice (guint mline_index, const gchar * candidate)
{
  JsonBuilder *builder = begin ("ice");

  json_builder_set_member_name (builder, "sdpMLineIndex");
  json_builder_add_int_value (builder, mline_index);
  json_builder_set_member_name (builder, "candidate");
  json_builder_add_string_value (builder, candidate);
  return end (builder);
}

gchar *
dsl_signaling_message_error (const gchar * message)
{
  JsonBuilder *builder = begin ("error");
  /* an error may quote the client's input, which need not be UTF-8
   * (json-glib's messages quote it, and it decodes "\ud800" to CESU
   * bytes), and a text frame must be */
  g_autofree gchar *valid = g_utf8_make_valid (message, -1);

  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, valid);
  return end (builder);
}

/* ------------------------------------------------------------------ */

/* A string member, or NULL. json-glib 1.6 decodes a lone surrogate
 * ("\ud800x") to bytes that are not UTF-8 and accepts them: such a string
 * counts as no string, so every string we use is UTF-8, as JSON says. */
static const gchar *
string_member (JsonObject * object, const gchar * name)
{
  JsonNode *node = json_object_get_member (object, name);
  const gchar *value;

  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  value = json_node_get_string (node);
  return g_utf8_validate (value, -1, NULL) ? value : NULL;
}

static gboolean
parse_sdp (const gchar * text, GstSDPMessage ** out, gchar ** error)
{
  GstSDPMessage *sdp;

  /* gst_sdp_message_parse_buffer accepts nearly anything: require a
   * version line and at least one media section */
  if (!g_str_has_prefix (text, "v=0")
      || gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK) {
    *error = g_strdup ("data.sdp is not a valid SDP");
    return FALSE;
  }
  if (gst_sdp_message_medias_len (sdp) == 0) {
    gst_sdp_message_free (sdp);
    *error = g_strdup ("data.sdp has no media section");
    return FALSE;
  }
  *out = sdp;
  return TRUE;
}

/* json-glib 1.6 parses recursively with no depth limit: measure the
 * nesting first, iteratively, so deep brackets never reach it. Its scanner
 * also takes single-quoted strings and comments, which would hide brackets
 * from this count: neither is JSON, so both are refused here. */
typedef enum
{
  NESTING_FITS,
  NESTING_TOO_DEEP,
  NESTING_NOT_JSON,
} Nesting;

static Nesting
measure_nesting (const gchar * text, gsize length, guint max_depth)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++) {
    gchar c = text[i];

    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '\'' || c == '/') {
      return NESTING_NOT_JSON;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return NESTING_TOO_DEEP;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return NESTING_FITS;
}

gboolean
dsl_signaling_message_parse (const gchar * text, gsize length,
    DslSignalingMessage * message, gchar ** error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) json_error = NULL;
  JsonNode *root, *data_node, *index_node;
  JsonObject *object, *data;
  const gchar *type, *sdp_type, *sdp, *candidate;
  gint64 index;

  memset (message, 0, sizeof *message);
  switch (measure_nesting (text, length, DSL_SIGNALING_MAX_DEPTH)) {
    case NESTING_TOO_DEEP:
      *error = g_strdup_printf ("JSON nested deeper than %d levels",
          DSL_SIGNALING_MAX_DEPTH);
      return FALSE;
    case NESTING_NOT_JSON:
      *error = g_strdup ("invalid JSON: a quote or comment that JSON does "
          "not have");
      return FALSE;
    case NESTING_FITS:
      break;
  }
  if (!json_parser_load_from_data (parser, text, (gssize) length, &json_error)) {
    *error = g_strdup_printf ("invalid JSON: %s", json_error->message);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    *error = g_strdup ("a message must be a JSON object");
    return FALSE;
  }
  object = json_node_get_object (root);
  type = string_member (object, "type");
  if (!type) {
    *error = g_strdup ("missing string member \"type\"");
    return FALSE;
  }
  data_node = json_object_get_member (object, "data");
  if (!data_node || !JSON_NODE_HOLDS_OBJECT (data_node)) {
    *error = g_strdup ("missing object member \"data\"");
    return FALSE;
  }
  data = json_node_get_object (data_node);

  if (g_str_equal (type, "sdp")) {
    sdp_type = string_member (data, "type");
    if (!sdp_type) {
      *error = g_strdup ("missing string member \"data.type\"");
      return FALSE;
    }
    if (!g_str_equal (sdp_type, "answer")) {
      *error = g_strdup_printf ("unexpected SDP type \"%s\": the server makes "
          "the offer, the client sends an answer", sdp_type);
      return FALSE;
    }
    sdp = string_member (data, "sdp");
    if (!sdp) {
      *error = g_strdup ("missing string member \"data.sdp\"");
      return FALSE;
    }
    if (!parse_sdp (sdp, &message->sdp, error))
      return FALSE;
    message->type = DSL_SIGNALING_ANSWER;
    return TRUE;
  }

  if (g_str_equal (type, "ice")) {
    candidate = string_member (data, "candidate");
    if (!candidate) {
      *error = g_strdup ("missing string member \"data.candidate\"");
      return FALSE;
    }
    index_node = json_object_get_member (data, "sdpMLineIndex");
    if (!index_node || !JSON_NODE_HOLDS_VALUE (index_node)
        || json_node_get_value_type (index_node) != G_TYPE_INT64
        || (index = json_node_get_int (index_node)) < 0 || index > G_MAXUINT16) {
      *error = g_strdup ("missing or invalid integer member "
          "\"data.sdpMLineIndex\"");
      return FALSE;
    }
    message->type = DSL_SIGNALING_ICE;
    message->candidate = g_strdup (candidate);
    message->mline_index = (guint) index;
    return TRUE;
  }

  *error = g_strdup_printf ("unknown message type \"%s\"", type);
  return FALSE;
}

void
dsl_signaling_message_clear (DslSignalingMessage * message)
{
  g_clear_pointer (&message->sdp, gst_sdp_message_free);
  g_clear_pointer (&message->candidate, g_free);
}
