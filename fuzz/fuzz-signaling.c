/* fuzz-signaling.c - a client's WebSocket text message, as the session
 * hands it to dsl_signaling_message_parse: the exact bytes, no NUL after
 * them.
 *
 * Invariants: an accepted message is complete (an answer has a parsed SDP
 * with a media section, a candidate an index within 16 bits); a refused
 * one has an error sentence whose error reply is valid UTF-8 (libsoup
 * refuses to send anything else, and the client would get no answer);
 * and nothing json-glib accepts after our depth check nests deeper than
 * DSL_SIGNALING_MAX_DEPTH (the bound that keeps json-glib's recursive
 * parser off the end of the stack, measured here without recursion).
 */
#include "fuzz-support.h"
#include "signaling/dsl-signaling-message.h"

#include <json-glib/json-glib.h>
#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

/* The deepest nesting of a parsed tree (a scalar root is 0, [] is 1),
 * walked with a queue of our own. */
static guint
tree_depth (JsonNode * root)
{
  g_autoptr (GQueue) nodes = g_queue_new ();
  g_autoptr (GQueue) depths = g_queue_new ();
  guint deepest = 0;

  g_queue_push_tail (nodes, root);
  g_queue_push_tail (depths, GUINT_TO_POINTER (0));
  while (!g_queue_is_empty (nodes)) {
    JsonNode *node = g_queue_pop_head (nodes);
    guint depth = GPOINTER_TO_UINT (g_queue_pop_head (depths));
    GList *children = NULL;

    if (JSON_NODE_HOLDS_OBJECT (node))
      children = json_object_get_values (json_node_get_object (node));
    else if (JSON_NODE_HOLDS_ARRAY (node))
      children = json_array_get_elements (json_node_get_array (node));
    else
      continue;
    deepest = MAX (deepest, depth + 1);
    for (GList * c = children; c; c = c->next) {
      g_queue_push_tail (nodes, c->data);
      g_queue_push_tail (depths, GUINT_TO_POINTER (depth + 1));
    }
    g_list_free (children);
  }
  return deepest;
}

static void
check_depth_bound (const gchar * text, gsize size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  /* an empty text parses, to no tree */
  if (!json_parser_load_from_data (parser, text, (gssize) size, NULL)
      || !(root = json_parser_get_root (parser)))
    return;
  FUZZ_CHECK (tree_depth (root) <=
      DSL_SIGNALING_MAX_DEPTH, "json-glib parsed a tree deeper than %d "
      "levels that passed the depth check", DSL_SIGNALING_MAX_DEPTH);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  const gchar *text = (const gchar *) data;
  DslSignalingMessage message;
  g_autofree gchar *error = NULL;
  g_autofree gchar *reply = NULL;

  if (size > DSL_SIGNALING_MAX_MESSAGE)
    return 0;   /* the session closes with 1009 before parsing */

  if (dsl_signaling_message_parse (text, size, &message, &error)) {
    FUZZ_CHECK (error == NULL, "an accepted message set an error");
    switch (message.type) {
      case DSL_SIGNALING_ANSWER:
        FUZZ_CHECK (message.sdp != NULL, "an answer without its SDP");
        FUZZ_CHECK (gst_sdp_message_medias_len (message.sdp) > 0,
            "an answer without a media section");
        FUZZ_CHECK (message.candidate == NULL, "an answer with a candidate");
        break;
      case DSL_SIGNALING_ICE:
        FUZZ_CHECK (message.candidate != NULL, "a candidate without text");
        FUZZ_CHECK (message.mline_index <= G_MAXUINT16, "index %u",
            message.mline_index);
        FUZZ_CHECK (message.sdp == NULL, "a candidate with an SDP");
        break;
      default:
        FUZZ_CHECK (FALSE, "unknown message type %d", message.type);
    }
    dsl_signaling_message_clear (&message);
    check_depth_bound (text, size);
    return 0;
  }

  FUZZ_CHECK (error != NULL && *error, "a refused message without a reason");
  FUZZ_CHECK (message.sdp == NULL && message.candidate == NULL,
      "a refused message kept a part");
  reply = dsl_signaling_message_error (error);
  FUZZ_CHECK (reply != NULL && g_utf8_validate (reply, -1, NULL),
      "the error reply is not valid UTF-8: %s", error);
  /* refusals made before json-glib sees the text: re-parsing them here
   * is exactly what the bound is there to prevent */
  if (!g_str_has_prefix (error, "JSON nested deeper")
      && !g_str_has_prefix (error, "invalid JSON: a quote or comment"))
    check_depth_bound (text, size);
  return 0;
}
