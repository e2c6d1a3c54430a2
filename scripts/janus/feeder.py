#!/usr/bin/python3
"""scripts/janus/feeder.py - the stream janus-bench feeds to Janus.

Usage: feeder.py --codec vp8|h264 --rtp-port P --rtcp-port Q
                 [--host 127.0.0.1] [--max-seconds S]

A live SMPTE test pattern with a clock overlay, 640x480@30 I420 (what
dsl-webrtc-serve's test pattern source makes), encoded with the settings
dsl-webrtc's encoder chain uses (src/sink/dsl-encoder.c), payloaded with
pt=96 mtu=1200 and sent through an rtpbin session to a Janus Streaming
"rtp" mountpoint: RTP to --rtp-port, RTCP to --rtcp-port.

RTCP goes out of, and comes back into, one UDP socket: Janus latches the
address the source's RTCP comes from and sends its PLIs (from its viewers,
at most one a second) there. rtpbin turns a received PLI into an upstream
GstForceKeyUnit event, so a viewer's key-frame request reaches the
encoder. The feeder counts those requests on the encoder's source pad and
the key frames leaving it.

It prints "feeder: playing" once the pipeline plays, and on exit (SIGTERM,
SIGINT, --max-seconds or an error) one JSON line:
  {"feeder":"done","frames":N,"key_frames":K,"key_unit_requests":R,
   "rtcp_received":M,"error":null}
Exit status 0 unless the pipeline failed.

Needs python3-gi, gir1.2-gstreamer-1.0 and the GStreamer good/ugly/base
plugins (vp8enc, x264enc, rtpbin, udpsrc/udpsink, clockoverlay).
"""

import argparse
import json
import signal
import sys

import gi
gi.require_version('Gst', '1.0')
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib, Gst  # noqa: E402

WIDTH, HEIGHT, FPS = 640, 480, 30

ENCODERS = {
    # as configure_encoder() in src/sink/dsl-encoder.c, 1 Mbit/s, a key
    # frame at least every 30 frames
    'vp8': ('vp8enc deadline=1 cpu-used=8 threads=1 error-resilient=1 '
            'lag-in-frames=0 target-bitrate=1000000 keyframe-max-dist=30 '
            '! rtpvp8pay name=pay pt=96 mtu=1200'),
    'h264': ('x264enc tune=zerolatency speed-preset=ultrafast bitrate=1000 '
             'key-int-max=30 b-adapt=false bframes=0 '
             '! video/x-h264,profile=constrained-baseline '
             '! h264parse config-interval=-1 '
             '! rtph264pay name=pay pt=96 mtu=1200 config-interval=-1 '
             'aggregate-mode=zero-latency'),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--codec', choices=sorted(ENCODERS), required=True)
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--rtp-port', type=int, required=True)
    ap.add_argument('--rtcp-port', type=int, required=True)
    ap.add_argument('--max-seconds', type=float, default=600.0)
    args = ap.parse_args()

    Gst.init(None)
    desc = (
        f'videotestsrc is-live=true pattern=smpte '
        f'! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},'
        f'framerate={FPS}/1,pixel-aspect-ratio=1/1 '
        f'! clockoverlay halignment=left valignment=top shaded-background=true '
        f'time-format=%H:%M:%S '
        f'! {ENCODERS[args.codec]} '
        f'! rtpbin.send_rtp_sink_0 '
        f'rtpbin name=rtpbin '
        f'rtpbin.send_rtp_src_0 ! udpsink name=rtpsink host={args.host} '
        f'port={args.rtp_port} sync=false async=false '
        f'rtpbin.send_rtcp_src_0 ! udpsink name=rtcpsink host={args.host} '
        f'port={args.rtcp_port} sync=false async=false close-socket=false '
        f'udpsrc name=rtcpsrc close-socket=false caps=application/x-rtcp '
        f'! rtpbin.recv_rtcp_sink_0')
    pipeline = Gst.parse_launch(desc)

    # one socket for both RTCP directions (see the docstring)
    sock = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.DATAGRAM,
                          Gio.SocketProtocol.UDP)
    sock.bind(Gio.InetSocketAddress.new_from_string(args.host, 0), False)
    pipeline.get_by_name('rtcpsrc').set_property('socket', sock)
    pipeline.get_by_name('rtcpsink').set_property('socket', sock)

    counts = {'frames': 0, 'key_frames': 0, 'key_unit_requests': 0,
              'rtcp_received': 0}
    pay_sink = pipeline.get_by_name('pay').get_static_pad('sink')

    def on_buffer(pad, info):
        buf = info.get_buffer()
        counts['frames'] += 1
        if not buf.has_flags(Gst.BufferFlags.DELTA_UNIT):
            counts['key_frames'] += 1
        return Gst.PadProbeReturn.OK

    def on_upstream(pad, info):
        ev = info.get_event()
        if ev.type == Gst.EventType.CUSTOM_UPSTREAM and \
                ev.get_structure() and \
                ev.get_structure().get_name() == 'GstForceKeyUnit':
            counts['key_unit_requests'] += 1
        return Gst.PadProbeReturn.OK

    def on_rtcp(pad, info):
        counts['rtcp_received'] += 1
        return Gst.PadProbeReturn.OK

    pay_sink.add_probe(Gst.PadProbeType.BUFFER, on_buffer)
    pay_sink.add_probe(Gst.PadProbeType.EVENT_UPSTREAM, on_upstream)
    pipeline.get_by_name('rtcpsrc').get_static_pad('src').add_probe(
        Gst.PadProbeType.BUFFER, on_rtcp)

    loop = GLib.MainLoop()
    state = {'error': None}

    def quit_(*_):
        loop.quit()
        return GLib.SOURCE_REMOVE

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            state['error'] = f'{err.message} ({dbg})'
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            state['error'] = 'unexpected end of stream'
            loop.quit()
        elif (msg.type == Gst.MessageType.STATE_CHANGED
              and msg.src == pipeline):
            _, new, _ = msg.parse_state_changed()
            if new == Gst.State.PLAYING:
                print('feeder: playing', flush=True)

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, quit_)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, quit_)
    GLib.timeout_add(int(args.max_seconds * 1000), quit_)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        state['error'] = 'the pipeline did not start'
    else:
        loop.run()
    pipeline.set_state(Gst.State.NULL)
    sock.close()
    print(json.dumps({'feeder': 'done', **counts, 'error': state['error']}),
          flush=True)
    return 1 if state['error'] else 0


if __name__ == '__main__':
    sys.exit(main())
