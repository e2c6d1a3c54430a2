#!/usr/bin/env python3
"""whep_aiortc_client.py - a WHEP player without a browser, on Debian's
python3-aiortc (1.4): a WebRTC stack nobody here wrote.

  python3 tests/whep_aiortc_client.py --url http://127.0.0.1:PORT/whep
      [--token T] [--frames 30] [--width 640 --height 480] [--timeout 30]
      [--codec VP8|H264] [--hold SECONDS] [--ice-address 127.0.0.1]

It makes an RTCPeerConnection with one recvonly video transceiver, gathers
its ICE candidates (aiortc puts them all in the offer: no trickle), POSTs
the offer (Content-Type: application/sdp, Authorization: Bearer T with
--token), expects 201 with a Location and an application/sdp answer,
applies the answer, receives --frames decoded video frames and checks
their size, then DELETEs the resource (expects 200). With --hold it
first prints {"event":"playing","frames":N} and goes on receiving for that
many seconds (so a test can look at the server meanwhile).

Prints one JSON line: {"ok", "post_status", "resource_url", "location",
"content_type", "accept_patch", "links", "answer_codec",
"answer_direction", "answer_candidates", "frames",
"width", "height" (of the last frame), "sizes" (every size seen),
"candidate_type", "remote_candidate_type", "local_address",
"remote_address" (the nominated pair), "delete_status", "stage",
"reason" when not ok}. Exit 0 if ok, 1 if not, 2 on a usage error, 77
(skip) when aiortc is not installed.
"""

import argparse
import asyncio
import http.client
import json
import sys
import time
import urllib.parse

EXIT_SKIP = 77

try:
    import aioice.ice
    from aiortc import RTCConfiguration, RTCPeerConnection, \
        RTCSessionDescription
    from aiortc.rtcrtpsender import RTCRtpSender
except ImportError as error:
    print(json.dumps({'ok': False, 'skip': True,
                      'reason': 'aiortc is not installed ({}): '
                                'scripts/install-deps --test'.format(error)}),
          flush=True)
    sys.exit(EXIT_SKIP)


def restrict_host_addresses(addresses):
    """aioice 0.8 gathers its host candidates from every interface but
    leaves out 127.0.0.1 and ::1 by name (aioice.ice.get_host_addresses).
    The tests run in a network namespace holding only lo, where loopback is
    the only address there is, and the server offers only 127.0.0.1: so
    this player must gather exactly the addresses it is given. aioice has
    no option for it; Connection.gather_candidates looks the function up
    in its module at each call, so replacing it there is enough."""
    def host_addresses(use_ipv4, use_ipv6):
        return list(addresses)
    aioice.ice.get_host_addresses = host_addresses


def request(method, url, body=None, headers=None, timeout=10):
    """(status, headers as a list of (name, value), body bytes) of one
    HTTP request on a connection of its own."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                            timeout=timeout)
    try:
        path = parts.path + ('?' + parts.query if parts.query else '')
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def header(headers, name):
    """The first value of a header, or None; names are case-insensitive."""
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def describe_answer(sdp):
    """(encoding name of the first video payload type, direction, the
    candidate lines) of the answer's first video m-line."""
    pts = []
    rtpmap = {}
    direction = None
    candidates = []
    in_video = False
    for line in sdp.splitlines():
        if line.startswith('m='):
            if in_video:
                break
            in_video = line.startswith('m=video ')
            pts = line.split()[3:] if in_video else []
        elif not in_video:
            continue
        elif line.startswith('a=rtpmap:'):
            pt, _, encoding = line[len('a=rtpmap:'):].partition(' ')
            rtpmap[pt] = encoding.split('/')[0]
        elif line[2:] in ('sendonly', 'recvonly', 'sendrecv', 'inactive'):
            direction = line[2:]
        elif line.startswith('a=candidate:'):
            candidates.append(line[2:])
    return rtpmap.get(pts[0]) if pts else None, direction, candidates


def nominated_pair(transceiver):
    """{candidate_type, remote_candidate_type, local_address,
    remote_address} of the nominated pair (None each if there is none).
    aiortc has no getStats() for ICE pairs: its aioice connection has the
    pair of component 1 (the only one, RTP and RTCP muxed)."""
    out = dict.fromkeys(('candidate_type', 'remote_candidate_type',
                         'local_address', 'remote_address'))
    try:
        connection = (transceiver.receiver.transport.transport
                      ._connection)
        pair = connection._nominated.get(1)
        local, remote = pair.local_candidate, pair.remote_candidate
    except AttributeError:
        return out
    out.update(candidate_type=local.type, remote_candidate_type=remote.type,
               local_address='{}:{}'.format(local.host, local.port),
               remote_address='{}:{}'.format(remote.host, remote.port))
    return out


async def play(options, result):
    loop = asyncio.get_running_loop()
    headers = {'Content-Type': 'application/sdp'}
    if options.token:
        headers['Authorization'] = 'Bearer ' + options.token

    # no STUN server: aiortc would otherwise use none either, but say so
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        transceiver = pc.addTransceiver('video', direction='recvonly')
        if options.codec:
            codecs = [c for c in RTCRtpSender.getCapabilities('video').codecs
                      if c.mimeType.lower() in
                      ('video/' + options.codec.lower(), 'video/rtx')]
            transceiver.setCodecPreferences(codecs)
        result['stage'] = 'offer'
        # setLocalDescription gathers every candidate before it returns
        await pc.setLocalDescription(await pc.createOffer())
        offer = pc.localDescription.sdp

        result['stage'] = 'POST'
        status, reply, body = await loop.run_in_executor(
            None, lambda: request('POST', options.url, offer.encode(),
                                  headers))
        result['post_status'] = status
        result['location'] = header(reply, 'Location')
        result['content_type'] = header(reply, 'Content-Type')
        result['accept_patch'] = header(reply, 'Accept-Patch')
        result['links'] = [v for k, v in reply if k.lower() == 'link']
        if status != 201:
            result['reason'] = 'POST answered {}: {!r}'.format(
                status, body[:200].decode(errors='replace'))
            return
        if not result['location']:
            result['reason'] = 'the 201 has no Location'
            return
        content_type = (result['content_type'] or '').split(';')[0].strip()
        if content_type.lower() != 'application/sdp':
            result['reason'] = 'the answer is {!r}, not application/sdp' \
                .format(result['content_type'])
            return
        result['resource_url'] = urllib.parse.urljoin(options.url,
                                                      result['location'])
        answer = body.decode()
        (result['answer_codec'], result['answer_direction'],
         result['answer_candidates']) = describe_answer(answer)

        result['stage'] = 'answer'
        await pc.setRemoteDescription(RTCSessionDescription(answer, 'answer'))

        result['stage'] = 'frames'
        track = transceiver.receiver.track
        sizes = []
        start = time.monotonic()
        while result['frames'] < options.frames:
            frame = await track.recv()
            if result['frames'] == 0:
                result['ttff_ms'] = round((time.monotonic() - start) * 1000)
            result['frames'] += 1
            result['width'], result['height'] = frame.width, frame.height
            if (frame.width, frame.height) not in sizes:
                sizes.append((frame.width, frame.height))
        if options.hold:
            print(json.dumps({'event': 'playing',
                              'frames': result['frames']}), flush=True)
            until = time.monotonic() + options.hold
            while time.monotonic() < until:
                frame = await asyncio.wait_for(track.recv(), 5)
                result['frames_held'] = result.get('frames_held', 0) + 1
                if (frame.width, frame.height) not in sizes:
                    sizes.append((frame.width, frame.height))
        result['sizes'] = ['{}x{}'.format(w, h) for w, h in sizes]
        result.update(nominated_pair(transceiver))

        result['stage'] = 'DELETE'
        delete_headers = {}
        if options.token:
            delete_headers['Authorization'] = 'Bearer ' + options.token
        status, _, _ = await loop.run_in_executor(
            None, lambda: request('DELETE', result['resource_url'], None,
                                  delete_headers))
        result['delete_status'] = status
        result['stage'] = 'done'

        wanted = (options.width or result['width'],
                  options.height or result['height'])
        problems = []
        if any(size != wanted for size in sizes):
            problems.append('frames of {}, expected {}x{}'.format(
                result['sizes'], *wanted))
        if status != 200:
            problems.append('DELETE answered {}'.format(status))
        if problems:
            result['reason'] = '; '.join(problems)
        else:
            result['ok'] = True
    finally:
        await pc.close()


def main():
    parser = argparse.ArgumentParser(description='A WHEP player on aiortc.')
    parser.add_argument('--url', required=True, help='the WHEP endpoint')
    parser.add_argument('--token', help='sent as Authorization: Bearer')
    parser.add_argument('--frames', type=int, default=30)
    parser.add_argument('--width', type=int)
    parser.add_argument('--height', type=int)
    parser.add_argument('--timeout', type=float, default=30,
                        help='seconds for everything')
    parser.add_argument('--codec', choices=['VP8', 'H264'],
                        help='offer only this codec')
    parser.add_argument('--hold', type=float, default=0,
                        help='seconds to go on playing after --frames')
    parser.add_argument('--ice-address', action='append',
                        help='a local address for host candidates '
                             '(repeatable; default 127.0.0.1)')
    options = parser.parse_args()
    restrict_host_addresses(options.ice_address or ['127.0.0.1'])

    result = {'ok': False, 'stage': 'start', 'frames': 0, 'width': None,
              'height': None, 'post_status': None, 'delete_status': None,
              'resource_url': None}

    async def bounded():
        await asyncio.wait_for(play(options, result),
                               options.timeout + options.hold)

    try:
        asyncio.run(bounded())
    except asyncio.TimeoutError:
        result['reason'] = 'timeout at {} after {} s'.format(
            result['stage'], options.timeout)
    except Exception as error:   # report it as a result, not a traceback
        result['reason'] = 'error at {}: {!r}'.format(result['stage'], error)
    print(json.dumps(result), flush=True)
    return 0 if result['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
