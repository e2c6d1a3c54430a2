/* dsl-timecode.h - a pixel time code in raw video, for measuring
 * glass-to-glass latency: each frame carries its capture time (wall-clock
 * milliseconds) in a band of black and white blocks that survives
 * encoding, so a viewer reads it back from the decoded picture.
 *
 * Layout: B = frame width / 40 (16 px at 640); at the top-left, 40 blocks
 * of B x B pixels. Blocks 0..31 carry bits 31..0 of T = (real time in ms)
 * mod 2^32; blocks 32..39 carry bits 7..0 of the XOR of T's four bytes.
 * A 1 is luma 235, a 0 luma 16. A reader averages each block's central
 * B/2 x B/2 square against 128 and keeps frames whose check byte matches.
 */
#ifndef DSL_TIMECODE_H
#define DSL_TIMECODE_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Writes the time code into every raw video buffer that leaves pad (a
 * planar YUV or grey format with a luma plane, at least 80 px wide),
 * until dsl_timecode_remove. Returns the probe id (0 on failure). */
gulong dsl_timecode_add (GstPad * pad);
void dsl_timecode_remove (GstPad * pad, gulong id);

G_END_DECLS

#endif /* DSL_TIMECODE_H */
