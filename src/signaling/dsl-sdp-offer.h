/* dsl-sdp-offer.h - what a viewer's own offer (WHEP) asks for, read with
 * libgstsdp before anything of it reaches webrtcbin: is it an offer of
 * video we can send, and which of its payload types carries our codec.
 *
 * Pure functions: any thread.
 */
#ifndef DSL_SDP_OFFER_H
#define DSL_SDP_OFFER_H

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* An offer body larger than this is refused (413); real ones are a few
 * KiB, with every codec a browser has. */
#define DSL_SDP_OFFER_MAX_SIZE (32 * 1024)
/* Candidates in the offer itself (a player that gathers first): each one
 * has ICE send checks to an address the player chose, so they count
 * against the viewer's candidates (DSL_SIGNALING_MAX_CANDIDATES). */
#define DSL_SDP_OFFER_MAX_CANDIDATES 100

/* Parses text (length bytes, no NUL needed) as an SDP offer: FALSE, with
 * a sentence in *error, for what is not SDP at all (no "v=0", no "o=" or
 * no media). */
gboolean dsl_sdp_offer_parse (const gchar * text, gsize length,
    GstSDPMessage ** offer, gchar ** error);

/* FALSE (with a sentence in *error) unless the offer is one webrtcbin
 * 1.22 answers well with our one video: at most one audio, one video and
 * one data channel section and nothing else, each with WebRTC's profile
 * (UDP/TLS/RTP/SAVPF, UDP/DTLS/SCTP) (a section it cannot
 * use makes it answer with the viewer's fingerprint, then refuse its own
 * answer), each audio or video section naming one direction, every
 * section its own a=mid, the video section UDP/TLS/RTP/SAVPF with a port
 * and receiving (recvonly or sendrecv), and at most
 * DSL_SDP_OFFER_MAX_CANDIDATES candidates. */
gboolean dsl_sdp_offer_wants_video (const GstSDPMessage * offer,
    gchar ** error);

/* In the first receiving video section: the payload type offered for
 * encoding_name ("VP8", "H264", ...); for H.264 only packetization-mode 1,
 * preferring constrained baseline (what we send), then baseline. FALSE,
 * with a sentence in *error, when the offer has none. caps (optional)
 * gets that format as RTP caps (gst_sdp_media_get_caps_from_media). */
gboolean dsl_sdp_offer_find_codec (const GstSDPMessage * offer,
    const gchar * encoding_name, guint * payload_type, GstCaps ** caps,
    gchar ** error);

/* The candidates the offer carries, in all its sections. */
guint dsl_sdp_offer_count_candidates (const GstSDPMessage * offer);

/* TRUE when the offer has a data channel section (m=application). */
gboolean dsl_sdp_offer_has_data_channel (const GstSDPMessage * offer);

G_END_DECLS

#endif /* DSL_SDP_OFFER_H */
