"""dsl.py - Python bindings (ctypes) for dsl-webrtc's libdsl.so.

The names, constants and calling conventions are those of the DeepStream
Services Library's own dsl.py, for the subset of DSL this library implements
(WebSocket Server, WebRTC Sink, Pipelines and the Sources and Sinks they
need), so that a DSL Python program using that subset runs unchanged:

    from dsl import *

    retval = dsl_pipeline_new_component_add_many('pipeline',
        ['source', 'webrtc-sink', None])
    retval, is_listening, port = dsl_websocket_server_listening_state_get()
    print(dsl_return_value_to_string(retval))

Conventions:
  * strings go in and come out as Python str;
  * lists of names (the *_many services) are Python lists of str, with or
    without DSL's trailing None;
  * services with output parameters return a tuple (retval, value, ...);
  * listeners are plain Python functions; the bindings keep the C callback
    wrappers alive, and passing the same function to the matching *_remove
    service removes it;
  * client_data may be any Python object or None. A listener receives it as
    DSL's does: a c_void_p value (an int, or None for None). Use
    dsl_client_data(client_data) to get the Python object back.

Services marked "extension" are not in DSL.

The library is looked up in this order: the path in the environment
variable DSL_LIBRARY; the build tree next to this file
(<repo>/build/src/libdsl.so); the install locations of `meson install`
(/usr/local/lib/x86_64-linux-gnu/libdsl.so, /usr/local/lib/libdsl.so);
the dynamic loader's search path (libdsl.so).
"""

import ctypes as _ctypes
import os as _os
import threading as _threading
from pathlib import Path as _Path

# As in DSL's dsl.py, the ctypes names come along with `from dsl import *`
# (DSL programs use cast, POINTER, py_object, ... that way).
from ctypes import *  # noqa: F401,F403
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_uint, c_void_p,
                    c_wchar_p, cast, pointer, py_object)

# ---------------------------------------------------------------------------
# Finding and loading the library
# ---------------------------------------------------------------------------


def _load_library():
    explicit = _os.environ.get('DSL_LIBRARY')
    if explicit:
        try:
            return _ctypes.CDLL(explicit)
        except OSError as error:
            raise OSError(
                "dsl.py: cannot load the library named by DSL_LIBRARY "
                "({}): {}".format(explicit, error)) from error

    repo = _Path(__file__).resolve().parent.parent
    candidates = [
        repo / 'build' / 'src' / 'libdsl.so',
        _Path('/usr/local/lib/x86_64-linux-gnu/libdsl.so'),
        _Path('/usr/local/lib/libdsl.so'),
    ]
    tried = []
    for candidate in candidates:
        if not candidate.exists():
            tried.append('{} (not found)'.format(candidate))
            continue
        try:
            return _ctypes.CDLL(str(candidate))
        except OSError as error:
            tried.append('{} ({})'.format(candidate, error))
    try:
        return _ctypes.CDLL('libdsl.so')
    except OSError as error:
        tried.append('libdsl.so on the loader path ({})'.format(error))
    raise OSError(
        "dsl.py: cannot find libdsl.so. Build it (meson setup build && "
        "ninja -C build), install it, or set DSL_LIBRARY to its path. "
        "Tried: DSL_LIBRARY (not set); " + '; '.join(tried))


_dsl = _load_library()



# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

DSL_FALSE = 0
DSL_TRUE = 1

# dsl.py's spelling of success, as used by DSL's Python examples
DSL_RETURN_SUCCESS = 0

DSL_RESULT_SUCCESS = 0x00000000
DSL_RESULT_FAILURE = 0x00000001
DSL_RESULT_API_NOT_IMPLEMENTED = 0x00000002
DSL_RESULT_API_NOT_SUPPORTED = 0x00000003
DSL_RESULT_API_NOT_ENABLED = 0x00000004
DSL_RESULT_INVALID_INPUT_PARAM = 0x00000005
DSL_RESULT_THREW_EXCEPTION = 0x00000006
DSL_RESULT_INVALID_RESULT_CODE = 0xFFFFFFFF

# Component API return values
DSL_RESULT_COMPONENT_RESULT = 0x00010000
DSL_RESULT_COMPONENT_NAME_NOT_UNIQUE = 0x00010001
DSL_RESULT_COMPONENT_NAME_NOT_FOUND = 0x00010002
DSL_RESULT_COMPONENT_NAME_BAD_FORMAT = 0x00010003
DSL_RESULT_COMPONENT_THREW_EXCEPTION = 0x00010004
DSL_RESULT_COMPONENT_IN_USE = 0x00010005
DSL_RESULT_COMPONENT_NOT_USED_BY_PIPELINE = 0x00010006
DSL_RESULT_COMPONENT_NOT_USED_BY_BRANCH = 0x00010007
DSL_RESULT_COMPONENT_NOT_THE_CORRECT_TYPE = 0x00010008

# Source API return values
DSL_RESULT_SOURCE_RESULT = 0x00020000
DSL_RESULT_SOURCE_NAME_NOT_UNIQUE = 0x00020001
DSL_RESULT_SOURCE_NAME_NOT_FOUND = 0x00020002
DSL_RESULT_SOURCE_NAME_BAD_FORMAT = 0x00020003
DSL_RESULT_SOURCE_NOT_FOUND = 0x00020004
DSL_RESULT_SOURCE_THREW_EXCEPTION = 0x00020005
DSL_RESULT_SOURCE_FILE_NOT_FOUND = 0x00020006
DSL_RESULT_SOURCE_SET_FAILED = 0x00020015

# Sink API return values
DSL_RESULT_SINK_RESULT = 0x00040000
DSL_RESULT_SINK_NAME_NOT_UNIQUE = 0x00040001
DSL_RESULT_SINK_NAME_NOT_FOUND = 0x00040002
DSL_RESULT_SINK_NAME_BAD_FORMAT = 0x00040003
DSL_RESULT_SINK_THREW_EXCEPTION = 0x00040004
DSL_RESULT_SINK_IS_IN_USE = 0x00040007
DSL_RESULT_SINK_GET_FAILED = 0x00040008
DSL_RESULT_SINK_SET_FAILED = 0x00040009
DSL_RESULT_SINK_ENCODER_VALUE_INVALID = 0x0004000A
DSL_RESULT_SINK_COMPONENT_IS_NOT_SINK = 0x0004000C
DSL_RESULT_SINK_COMPONENT_IS_NOT_ENCODE_SINK = 0x0004000D
DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_ADD_FAILED = 0x00040018
DSL_RESULT_SINK_WEBRTC_CLIENT_LISTENER_REMOVE_FAILED = 0x00040019
DSL_RESULT_SINK_WEBRTC_CONNECTION_CLOSED_FAILED = 0x0004001A

# Pipeline API return values
DSL_RESULT_PIPELINE_RESULT = 0x00080000
DSL_RESULT_PIPELINE_NAME_NOT_UNIQUE = 0x00080001
DSL_RESULT_PIPELINE_NAME_NOT_FOUND = 0x00080002
DSL_RESULT_PIPELINE_NAME_BAD_FORMAT = 0x00080003
DSL_RESULT_PIPELINE_STATE_PAUSED = 0x00080004
DSL_RESULT_PIPELINE_STATE_RUNNING = 0x00080005
DSL_RESULT_PIPELINE_THREW_EXCEPTION = 0x00080006
DSL_RESULT_PIPELINE_COMPONENT_ADD_FAILED = 0x00080007
DSL_RESULT_PIPELINE_COMPONENT_REMOVE_FAILED = 0x00080008
DSL_RESULT_PIPELINE_CALLBACK_ADD_FAILED = 0x0008000E
DSL_RESULT_PIPELINE_CALLBACK_REMOVE_FAILED = 0x0008000F
DSL_RESULT_PIPELINE_FAILED_TO_PLAY = 0x00080010
DSL_RESULT_PIPELINE_FAILED_TO_PAUSE = 0x00080011
DSL_RESULT_PIPELINE_FAILED_TO_STOP = 0x00080012
DSL_RESULT_PIPELINE_GET_FAILED = 0x00080013
DSL_RESULT_PIPELINE_SET_FAILED = 0x00080014

# WebSocket Server API return values
DSL_RESULT_WEBSOCKET_SERVER_RESULT = 0x00700000
DSL_RESULT_WEBSOCKET_SERVER_THREW_EXCEPTION = 0x00700001
DSL_RESULT_WEBSOCKET_SERVER_SET_FAILED = 0x00700002
DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_ADD_FAILED = 0x00700003
DSL_RESULT_WEBSOCKET_SERVER_CLIENT_LISTENER_REMOVE_FAILED = 0x00700004
# extension
DSL_RESULT_WEBSOCKET_SERVER_TLS_FILE_UNREADABLE = 0x00701000
DSL_RESULT_WEBSOCKET_SERVER_TLS_CERTIFICATE_INVALID = 0x00701001

# Encoders, shared by all Encode Sinks
DSL_ENCODER_HW_H264 = 0
DSL_ENCODER_HW_H265 = 1
DSL_ENCODER_SW_H264 = 2
DSL_ENCODER_SW_H265 = 3
DSL_ENCODER_SW_MPEG4 = 4
# extension
DSL_ENCODER_SW_VP8 = 0x00001000
DSL_ENCODER_SW_VP9 = 0x00001001

# Pipeline states (GstState values)
DSL_STATE_NULL = 1
DSL_STATE_READY = 2
DSL_STATE_PAUSED = 3
DSL_STATE_PLAYING = 4
DSL_STATE_CHANGE_ASYNC = 5
DSL_STATE_UNKNOWN = 0xFFFFFFFF

# The WebSocket Server's default port: the C header's name, and the name
# DSL's dsl.py and Python examples use.
DSL_WEBSOCKET_SERVER_DEFAULT_WEBSOCKET_PORT = 60001
DSL_WEBSOCKET_SERVER_DEFAULT_HTTP_PORT = 60001

DSL_SOCKET_CONNECTION_STATE_CLOSED = 0
DSL_SOCKET_CONNECTION_STATE_INITIATED = 1
DSL_SOCKET_CONNECTION_STATE_FAILED = 2

# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


# extension: a viewer's statistics (dsl_sink_webrtc_viewer_stats_get)
DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN = 0
DSL_WEBRTC_CANDIDATE_TYPE_HOST = 1
DSL_WEBRTC_CANDIDATE_TYPE_SRFLX = 2
DSL_WEBRTC_CANDIDATE_TYPE_PRFLX = 3
DSL_WEBRTC_CANDIDATE_TYPE_RELAY = 4


class dsl_webrtc_viewer_stats(Structure):
    """extension: what one WebRTC Sink's viewer gets (see DslApi.h)."""
    _fields_ = [('connected', c_uint),
                ('bytes_sent', _ctypes.c_uint64),
                ('packets_sent', _ctypes.c_uint64),
                ('packets_lost', _ctypes.c_uint64),
                ('packets_retransmitted', _ctypes.c_uint64),
                ('nack_count', c_uint),
                ('key_frame_requests', c_uint),
                ('bitrate', _ctypes.c_double),
                ('round_trip_time', _ctypes.c_double),
                ('local_candidate_type', c_uint),
                ('remote_candidate_type', c_uint)]


class dsl_webrtc_connection_data(Structure):
    _fields_ = [('current_state', c_uint)]


DSL_STATE_CHANGE_LISTENER = CFUNCTYPE(None, c_uint, c_uint, c_void_p)
DSL_EOS_LISTENER = CFUNCTYPE(None, c_void_p)
DSL_WEBSOCKET_SERVER_CLIENT_LISTENER = CFUNCTYPE(None, c_wchar_p, c_void_p)
# extension: (path, token, origin, remote_address, client_data) -> bool
DSL_WEBSOCKET_SERVER_AUTHORIZE_LISTENER = CFUNCTYPE(
    c_uint, c_wchar_p, c_wchar_p, c_wchar_p, c_wchar_p, c_void_p)
DSL_SINK_WEBRTC_CLIENT_LISTENER = CFUNCTYPE(
    None, POINTER(dsl_webrtc_connection_data), c_void_p)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# C callback wrappers, by (callback type, Python function). A wrapper is
# never dropped: the library may still hold its pointer (a listener that
# was never removed, or one removed from inside its own call), and freeing
# the thunk under it would crash. Reusing one wrapper per function also lets
# the library see "the same listener" as DSL's C API defines it.
_callbacks = {}
_callbacks_lock = _threading.Lock()

# client_data objects passed to the library, by (service, name, Python
# function): kept while the library may hold a pointer to them. Stored only
# when the add succeeds (a refused duplicate must not drop the object of the
# registration that stands), and replaced by the next successful add of the
# same listener, which the library accepts only after the old one is gone.
_client_data = {}


def _wrap(cftype, function):
    if function is None:
        return None
    if isinstance(function, cftype):
        return function
    if not callable(function):
        raise TypeError('listener must be callable, not {!r}'.format(function))
    with _callbacks_lock:
        key = (cftype, function)
        wrapper = _callbacks.get(key)
        if wrapper is None:
            wrapper = cftype(function)
            _callbacks[key] = wrapper
        return wrapper


def _add_listener(add, key, client_data, *args):
    """Calls add(*args, client_data as void*) and keeps client_data."""
    if client_data is None:
        holder, data = None, None
    else:
        holder = py_object(client_data)
        data = cast(pointer(holder), c_void_p)
    retval = int(add(*args, data))
    if retval == 0:
        _client_data[key] = holder
    return retval


def dsl_client_data(client_data):
    """The Python object a listener's client_data points at (None for
    None). Equivalent to cast(client_data, POINTER(py_object)).contents.value,
    which DSL programs use."""
    if not client_data:
        return None
    return cast(client_data, POINTER(py_object)).contents.value


def _string_array(names):
    """A Python list of names (with or without DSL's trailing None) as a
    NULL-terminated const wchar_t** array."""
    if names is None:
        return None
    if isinstance(names, str):
        names = [names]
    items = []
    for item in names:
        if item is None:
            break
        items.append(item)
    return (c_wchar_p * (len(items) + 1))(*items, None)


def _bind(name, restype, argtypes):
    function = getattr(_dsl, name)
    function.restype = restype
    function.argtypes = argtypes
    return function


_uint = c_uint
_boolean = c_uint
_wstr = c_wchar_p
_wstr_array = POINTER(c_wchar_p)

# ---------------------------------------------------------------------------
# Pipeline
# ---------------------------------------------------------------------------

_dsl_pipeline_new = _bind('dsl_pipeline_new', _uint, [_wstr])


def dsl_pipeline_new(name):
    return int(_dsl_pipeline_new(name))


_dsl_pipeline_new_many = _bind('dsl_pipeline_new_many', _uint, [_wstr_array])


def dsl_pipeline_new_many(names):
    return int(_dsl_pipeline_new_many(_string_array(names)))


_dsl_pipeline_new_component_add_many = _bind(
    'dsl_pipeline_new_component_add_many', _uint, [_wstr, _wstr_array])


def dsl_pipeline_new_component_add_many(name, components):
    return int(_dsl_pipeline_new_component_add_many(
        name, _string_array(components)))


_dsl_pipeline_component_add = _bind(
    'dsl_pipeline_component_add', _uint, [_wstr, _wstr])


def dsl_pipeline_component_add(name, component):
    return int(_dsl_pipeline_component_add(name, component))


_dsl_pipeline_component_add_many = _bind(
    'dsl_pipeline_component_add_many', _uint, [_wstr, _wstr_array])


def dsl_pipeline_component_add_many(name, components):
    return int(_dsl_pipeline_component_add_many(
        name, _string_array(components)))


_dsl_pipeline_component_remove = _bind(
    'dsl_pipeline_component_remove', _uint, [_wstr, _wstr])


def dsl_pipeline_component_remove(name, component):
    return int(_dsl_pipeline_component_remove(name, component))


_dsl_pipeline_component_remove_many = _bind(
    'dsl_pipeline_component_remove_many', _uint, [_wstr, _wstr_array])


def dsl_pipeline_component_remove_many(name, components):
    return int(_dsl_pipeline_component_remove_many(
        name, _string_array(components)))


_dsl_pipeline_play = _bind('dsl_pipeline_play', _uint, [_wstr])


def dsl_pipeline_play(name):
    return int(_dsl_pipeline_play(name))


_dsl_pipeline_pause = _bind('dsl_pipeline_pause', _uint, [_wstr])


def dsl_pipeline_pause(name):
    return int(_dsl_pipeline_pause(name))


_dsl_pipeline_stop = _bind('dsl_pipeline_stop', _uint, [_wstr])


def dsl_pipeline_stop(name):
    return int(_dsl_pipeline_stop(name))


_dsl_pipeline_state_get = _bind(
    'dsl_pipeline_state_get', _uint, [_wstr, POINTER(c_uint)])


def dsl_pipeline_state_get(name):
    state = c_uint(0)
    retval = _dsl_pipeline_state_get(name, byref(state))
    return int(retval), int(state.value)


_dsl_pipeline_delete = _bind('dsl_pipeline_delete', _uint, [_wstr])


def dsl_pipeline_delete(name):
    return int(_dsl_pipeline_delete(name))


_dsl_pipeline_delete_many = _bind(
    'dsl_pipeline_delete_many', _uint, [_wstr_array])


def dsl_pipeline_delete_many(names):
    return int(_dsl_pipeline_delete_many(_string_array(names)))


_dsl_pipeline_delete_all = _bind('dsl_pipeline_delete_all', _uint, [])


def dsl_pipeline_delete_all():
    return int(_dsl_pipeline_delete_all())


_dsl_pipeline_list_size = _bind('dsl_pipeline_list_size', _uint, [])


def dsl_pipeline_list_size():
    return int(_dsl_pipeline_list_size())


_dsl_pipeline_state_change_listener_add = _bind(
    'dsl_pipeline_state_change_listener_add', _uint,
    [_wstr, DSL_STATE_CHANGE_LISTENER, c_void_p])


def dsl_pipeline_state_change_listener_add(name, client_listener, client_data):
    listener = _wrap(DSL_STATE_CHANGE_LISTENER, client_listener)
    return _add_listener(_dsl_pipeline_state_change_listener_add,
                         ('pipeline_state_change', name, client_listener),
                         client_data, name, listener)


_dsl_pipeline_state_change_listener_remove = _bind(
    'dsl_pipeline_state_change_listener_remove', _uint,
    [_wstr, DSL_STATE_CHANGE_LISTENER])


def dsl_pipeline_state_change_listener_remove(name, client_listener):
    listener = _wrap(DSL_STATE_CHANGE_LISTENER, client_listener)
    return int(_dsl_pipeline_state_change_listener_remove(name, listener))


_dsl_pipeline_eos_listener_add = _bind(
    'dsl_pipeline_eos_listener_add', _uint,
    [_wstr, DSL_EOS_LISTENER, c_void_p])


def dsl_pipeline_eos_listener_add(name, client_listener, client_data):
    listener = _wrap(DSL_EOS_LISTENER, client_listener)
    return _add_listener(_dsl_pipeline_eos_listener_add,
                         ('pipeline_eos', name, client_listener),
                         client_data, name, listener)


_dsl_pipeline_eos_listener_remove = _bind(
    'dsl_pipeline_eos_listener_remove', _uint, [_wstr, DSL_EOS_LISTENER])


def dsl_pipeline_eos_listener_remove(name, client_listener):
    listener = _wrap(DSL_EOS_LISTENER, client_listener)
    return int(_dsl_pipeline_eos_listener_remove(name, listener))

# ---------------------------------------------------------------------------
# Component
# ---------------------------------------------------------------------------


_dsl_component_delete = _bind('dsl_component_delete', _uint, [_wstr])


def dsl_component_delete(name):
    return int(_dsl_component_delete(name))


_dsl_component_delete_many = _bind(
    'dsl_component_delete_many', _uint, [_wstr_array])


def dsl_component_delete_many(names):
    return int(_dsl_component_delete_many(_string_array(names)))


_dsl_component_delete_all = _bind('dsl_component_delete_all', _uint, [])


def dsl_component_delete_all():
    return int(_dsl_component_delete_all())


_dsl_component_list_size = _bind('dsl_component_list_size', _uint, [])


def dsl_component_list_size():
    return int(_dsl_component_list_size())

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------


_dsl_source_file_new = _bind(
    'dsl_source_file_new', _uint, [_wstr, _wstr, _boolean])


def dsl_source_file_new(name, file_path, repeat_enabled):
    return int(_dsl_source_file_new(name, file_path, repeat_enabled))


_dsl_source_uri_new = _bind(
    'dsl_source_uri_new', _uint, [_wstr, _wstr, _boolean, _uint, _uint])


def dsl_source_uri_new(name, uri, is_live, skip_frames, drop_frame_interval):
    return int(_dsl_source_uri_new(
        name, uri, is_live, skip_frames, drop_frame_interval))


_dsl_source_v4l2_new = _bind('dsl_source_v4l2_new', _uint, [_wstr, _wstr])


def dsl_source_v4l2_new(name, device_location):
    return int(_dsl_source_v4l2_new(name, device_location))


_dsl_source_test_pattern_new = _bind(
    'dsl_source_test_pattern_new', _uint,
    [_wstr, _uint, _uint, _uint, _uint, _boolean])


def dsl_source_test_pattern_new(name, width, height, fps_n, fps_d,
                                clock_enabled):
    """extension: a live test pattern with an optional clock overlay."""
    return int(_dsl_source_test_pattern_new(
        name, width, height, fps_n, fps_d, clock_enabled))


_dsl_source_test_pattern_timecode_enabled_set = _bind(
    'dsl_source_test_pattern_timecode_enabled_set', _uint, [_wstr, _boolean])


def dsl_source_test_pattern_timecode_enabled_set(name, enabled):
    """extension: a pixel time code of each frame's capture time, for
    measuring glass-to-glass latency (docs/benchmarks.md)."""
    return int(_dsl_source_test_pattern_timecode_enabled_set(name, enabled))

# ---------------------------------------------------------------------------
# Sinks
# ---------------------------------------------------------------------------


_dsl_sink_fake_new = _bind('dsl_sink_fake_new', _uint, [_wstr])


def dsl_sink_fake_new(name):
    return int(_dsl_sink_fake_new(name))


_dsl_sink_webrtc_new = _bind(
    'dsl_sink_webrtc_new', _uint, [_wstr, _wstr, _wstr, _uint, _uint, _uint])


def dsl_sink_webrtc_new(name, stun_server, turn_server, encoder, bitrate,
                        iframe_interval):
    return int(_dsl_sink_webrtc_new(name, stun_server, turn_server, encoder,
                                    bitrate, iframe_interval))


_dsl_sink_webrtc_connection_close = _bind(
    'dsl_sink_webrtc_connection_close', _uint, [_wstr])


def dsl_sink_webrtc_connection_close(name):
    return int(_dsl_sink_webrtc_connection_close(name))


_dsl_sink_webrtc_servers_get = _bind(
    'dsl_sink_webrtc_servers_get', _uint,
    [_wstr, POINTER(c_wchar_p), POINTER(c_wchar_p)])


def dsl_sink_webrtc_servers_get(name):
    """Returns (retval, stun_server, turn_server); '' for an unset one."""
    stun_server = c_wchar_p()
    turn_server = c_wchar_p()
    retval = _dsl_sink_webrtc_servers_get(
        name, byref(stun_server), byref(turn_server))
    return int(retval), stun_server.value, turn_server.value


_dsl_sink_webrtc_servers_set = _bind(
    'dsl_sink_webrtc_servers_set', _uint, [_wstr, _wstr, _wstr])


def dsl_sink_webrtc_servers_set(name, stun_server, turn_server):
    return int(_dsl_sink_webrtc_servers_set(name, stun_server, turn_server))


_dsl_sink_webrtc_client_listener_add = _bind(
    'dsl_sink_webrtc_client_listener_add', _uint,
    [_wstr, DSL_SINK_WEBRTC_CLIENT_LISTENER, c_void_p])


def dsl_sink_webrtc_client_listener_add(name, client_listener, client_data):
    listener = _wrap(DSL_SINK_WEBRTC_CLIENT_LISTENER, client_listener)
    return _add_listener(_dsl_sink_webrtc_client_listener_add,
                         ('sink_webrtc_client', name, client_listener),
                         client_data, name, listener)


_dsl_sink_webrtc_client_listener_remove = _bind(
    'dsl_sink_webrtc_client_listener_remove', _uint,
    [_wstr, DSL_SINK_WEBRTC_CLIENT_LISTENER])


def dsl_sink_webrtc_client_listener_remove(name, client_listener):
    listener = _wrap(DSL_SINK_WEBRTC_CLIENT_LISTENER, client_listener)
    return int(_dsl_sink_webrtc_client_listener_remove(name, listener))


_dsl_webrtc_ice_config_set = _bind(
    'dsl_webrtc_ice_config_set', _uint, [_wstr, _uint, _uint])


def dsl_webrtc_ice_config_set(local_addresses, min_port, max_port):
    """extension: host-candidate addresses (comma-separated; None or '' for
    all interfaces) and UDP port range (0, 0 for any) for new connections."""
    return int(_dsl_webrtc_ice_config_set(local_addresses, min_port, max_port))


_dsl_sink_encode_settings_get = _bind(
    'dsl_sink_encode_settings_get', _uint,
    [_wstr, POINTER(c_uint), POINTER(c_uint), POINTER(c_uint)])


def dsl_sink_encode_settings_get(name):
    """Returns (retval, encoder, bitrate, iframe_interval)."""
    encoder = c_uint(0)
    bitrate = c_uint(0)
    iframe_interval = c_uint(0)
    retval = _dsl_sink_encode_settings_get(
        name, byref(encoder), byref(bitrate), byref(iframe_interval))
    return (int(retval), int(encoder.value), int(bitrate.value),
            int(iframe_interval.value))


_dsl_sink_encode_dimensions_get = _bind(
    'dsl_sink_encode_dimensions_get', _uint,
    [_wstr, POINTER(c_uint), POINTER(c_uint)])


def dsl_sink_encode_dimensions_get(name):
    """Returns (retval, width, height)."""
    width = c_uint(0)
    height = c_uint(0)
    retval = _dsl_sink_encode_dimensions_get(name, byref(width), byref(height))
    return int(retval), int(width.value), int(height.value)


_dsl_sink_encode_dimensions_set = _bind(
    'dsl_sink_encode_dimensions_set', _uint, [_wstr, _uint, _uint])


def dsl_sink_encode_dimensions_set(name, width, height):
    return int(_dsl_sink_encode_dimensions_set(name, width, height))


_dsl_websocket_server_metrics_enabled_set = _bind(
    'dsl_websocket_server_metrics_enabled_set', _uint, [_boolean])


def dsl_websocket_server_metrics_enabled_set(enabled):
    """extension: True: the server answers GET /metrics (Prometheus text
    format); False (the default): /metrics is a path like any other."""
    return int(_dsl_websocket_server_metrics_enabled_set(
        DSL_TRUE if enabled else DSL_FALSE))


_dsl_websocket_server_metrics_enabled_get = _bind(
    'dsl_websocket_server_metrics_enabled_get', _uint, [POINTER(_boolean)])


def dsl_websocket_server_metrics_enabled_get():
    """extension: returns (retval, enabled)."""
    enabled = _boolean(0)
    retval = _dsl_websocket_server_metrics_enabled_get(byref(enabled))
    return int(retval), bool(enabled.value)


# extension: which ICE candidates new connections may use
DSL_WEBRTC_ICE_TRANSPORT_POLICY_ALL = 0
DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY = 1

_dsl_webrtc_ice_transport_policy_get = _bind(
    'dsl_webrtc_ice_transport_policy_get', _uint, [POINTER(c_uint)])


def dsl_webrtc_ice_transport_policy_get():
    """extension: returns (retval, policy)."""
    policy = c_uint(0)
    retval = _dsl_webrtc_ice_transport_policy_get(byref(policy))
    return int(retval), int(policy.value)


_dsl_webrtc_ice_transport_policy_set = _bind(
    'dsl_webrtc_ice_transport_policy_set', _uint, [_uint])


def dsl_webrtc_ice_transport_policy_set(policy):
    """extension: DSL_WEBRTC_ICE_TRANSPORT_POLICY_RELAY: TURN relay only."""
    return int(_dsl_webrtc_ice_transport_policy_set(policy))


# extension: metadata to viewers
DSL_WEBRTC_METADATA_MAX_SIZE = 65536

_dsl_sink_webrtc_metadata_send = _bind(
    'dsl_sink_webrtc_metadata_send', _uint,
    [_wstr, _wstr, _boolean, POINTER(c_uint)])


def dsl_sink_webrtc_metadata_send(name, message, stream_wide=False):
    """extension: a text message (e.g. json.dumps({'boxes': [...]})) to the
    sink's viewer, or to every viewer of its encoder; never waits.
    Returns (retval, viewers it went to)."""
    sent = c_uint(0)
    retval = _dsl_sink_webrtc_metadata_send(name, message, stream_wide,
                                            byref(sent))
    return int(retval), int(sent.value)


_dsl_sink_webrtc_metadata_data_send = _bind(
    'dsl_sink_webrtc_metadata_data_send', _uint,
    [_wstr, _ctypes.c_char_p, _uint, _boolean, POINTER(c_uint)])


def dsl_sink_webrtc_metadata_data_send(name, data, stream_wide=False):
    """extension: a binary message (bytes). Returns (retval, viewers)."""
    sent = c_uint(0)
    retval = _dsl_sink_webrtc_metadata_data_send(
        name, bytes(data), len(data), stream_wide, byref(sent))
    return int(retval), int(sent.value)


_dsl_sink_webrtc_viewer_stats_get = _bind(
    'dsl_sink_webrtc_viewer_stats_get', _uint,
    [_wstr, POINTER(dsl_webrtc_viewer_stats)])


def dsl_sink_webrtc_viewer_stats_get(name):
    """extension: returns (retval, dsl_webrtc_viewer_stats or None)."""
    stats = dsl_webrtc_viewer_stats()
    retval = int(_dsl_sink_webrtc_viewer_stats_get(name, byref(stats)))
    return retval, (stats if retval == 0 else None)


_dsl_sink_webrtc_encoder_shared_get = _bind(
    'dsl_sink_webrtc_encoder_shared_get', _uint, [_wstr, POINTER(_boolean)])


def dsl_sink_webrtc_encoder_shared_get(name):
    """extension: returns (retval, shared): whether the sink shares the
    encoder of its Pipeline's sinks with the same encode settings."""
    shared = _boolean(0)
    retval = _dsl_sink_webrtc_encoder_shared_get(name, byref(shared))
    return int(retval), bool(shared.value)


_dsl_sink_webrtc_encoder_shared_set = _bind(
    'dsl_sink_webrtc_encoder_shared_set', _uint, [_wstr, _boolean])


def dsl_sink_webrtc_encoder_shared_set(name, shared):
    """extension: False gives the sink an encoder of its own."""
    return int(_dsl_sink_webrtc_encoder_shared_set(name, shared))

# ---------------------------------------------------------------------------
# WebSocket Server
#
# extension: every path is also a WHEP endpoint on the same port (POST /whep
# for "/ws", POST /whep/NAME for "/ws/NAME"); nothing to call. See
# docs/whep.md.
# ---------------------------------------------------------------------------


_dsl_websocket_server_path_add = _bind(
    'dsl_websocket_server_path_add', _uint, [_wstr])


def dsl_websocket_server_path_add(path):
    return int(_dsl_websocket_server_path_add(path))


_dsl_websocket_server_listening_start = _bind(
    'dsl_websocket_server_listening_start', _uint, [_uint])


def dsl_websocket_server_listening_start(port_number):
    return int(_dsl_websocket_server_listening_start(port_number))


_dsl_websocket_server_listening_stop = _bind(
    'dsl_websocket_server_listening_stop', _uint, [])


def dsl_websocket_server_listening_stop(port_number=None):
    """Stops listening. port_number is ignored: DSL's dsl.py took one."""
    return int(_dsl_websocket_server_listening_stop())


_dsl_websocket_server_listening_state_get = _bind(
    'dsl_websocket_server_listening_state_get', _uint,
    [POINTER(c_uint), POINTER(c_uint)])


def dsl_websocket_server_listening_state_get():
    """Returns (retval, is_listening, port_number)."""
    is_listening = c_uint(0)
    port_number = c_uint(0)
    retval = _dsl_websocket_server_listening_state_get(
        byref(is_listening), byref(port_number))
    return int(retval), int(is_listening.value), int(port_number.value)


_dsl_websocket_server_client_listener_add = _bind(
    'dsl_websocket_server_client_listener_add', _uint,
    [DSL_WEBSOCKET_SERVER_CLIENT_LISTENER, c_void_p])


def dsl_websocket_server_client_listener_add(client_listener, client_data):
    listener = _wrap(DSL_WEBSOCKET_SERVER_CLIENT_LISTENER, client_listener)
    return _add_listener(_dsl_websocket_server_client_listener_add,
                         ('websocket_server_client', None, client_listener),
                         client_data, listener)


_dsl_websocket_server_client_listener_remove = _bind(
    'dsl_websocket_server_client_listener_remove', _uint,
    [DSL_WEBSOCKET_SERVER_CLIENT_LISTENER])


def dsl_websocket_server_client_listener_remove(client_listener):
    listener = _wrap(DSL_WEBSOCKET_SERVER_CLIENT_LISTENER, client_listener)
    return int(_dsl_websocket_server_client_listener_remove(listener))


_dsl_websocket_server_bind_address_set = _bind(
    'dsl_websocket_server_bind_address_set', _uint, [_wstr])


def dsl_websocket_server_bind_address_set(address):
    """extension: the local address the next listening_start binds
    ('127.0.0.1', '::1'); None or '' for all interfaces."""
    return int(_dsl_websocket_server_bind_address_set(address))


_dsl_websocket_server_http_root_set = _bind(
    'dsl_websocket_server_http_root_set', _uint, [_wstr])


def dsl_websocket_server_http_root_set(folder):
    """extension: None serves the built-in viewer page, '' serves nothing,
    a folder serves files from that folder."""
    return int(_dsl_websocket_server_http_root_set(folder))

def _uint_pair_get(function):
    """Calls a C service that writes two uints: (retval, first, second)."""
    first = c_uint(0)
    second = c_uint(0)
    retval = function(byref(first), byref(second))
    return int(retval), int(first.value), int(second.value)


def _bind_uint_pair(name):
    """The C setter and getter of a pair of uints: name_set, name_get."""
    return (_bind(name + '_set', _uint, [_uint, _uint]),
            _bind(name + '_get', _uint, [POINTER(c_uint), POINTER(c_uint)]))


_keepalive = _bind_uint_pair('dsl_websocket_server_keepalive')
_timeouts = _bind_uint_pair('dsl_websocket_server_timeouts')
_connection_limits = _bind_uint_pair(
    'dsl_websocket_server_connection_limits')


def dsl_websocket_server_keepalive_set(interval_s, timeout_s):
    """extension: a ping every interval_s; a WebSocket that sends nothing,
    or reads nothing, for timeout_s is closed (defaults 5, 20)."""
    return int(_keepalive[0](interval_s, timeout_s))


def dsl_websocket_server_keepalive_get():
    """extension: returns (retval, interval_s, timeout_s)."""
    return _uint_pair_get(_keepalive[1])


def dsl_websocket_server_timeouts_set(header_timeout_s, idle_timeout_s):
    """extension: seconds for a whole HTTP request, and for an idle HTTP
    connection (defaults 10, 30)."""
    return int(_timeouts[0](header_timeout_s, idle_timeout_s))


def dsl_websocket_server_timeouts_get():
    """extension: returns (retval, header_timeout_s, idle_timeout_s)."""
    return _uint_pair_get(_timeouts[1])


def dsl_websocket_server_connection_limits_set(max_pending, max_websockets):
    """extension: most connections that are not WebSockets (one more
    closes the oldest) and most WebSockets (one more gets HTTP 503);
    defaults 256, 512."""
    return int(_connection_limits[0](max_pending, max_websockets))


def dsl_websocket_server_connection_limits_get():
    """extension: returns (retval, max_pending, max_websockets)."""
    return _uint_pair_get(_connection_limits[1])

_dsl_websocket_server_tls_set = _bind(
    'dsl_websocket_server_tls_set', _uint, [_wstr, _wstr])


def dsl_websocket_server_tls_set(cert_file, key_file):
    """extension: serve https/wss only, with these PEM files; (None, None)
    for plain HTTP again."""
    return int(_dsl_websocket_server_tls_set(cert_file, key_file))


_dsl_websocket_server_origin_add = _bind(
    'dsl_websocket_server_origin_add', _uint, [_wstr])
_dsl_websocket_server_origins_clear = _bind(
    'dsl_websocket_server_origins_clear', _uint, [])
_dsl_websocket_server_origin_required_set = _bind(
    'dsl_websocket_server_origin_required_set', _uint, [_uint])


def dsl_websocket_server_origin_add(origin):
    """extension: let WebSocket upgrades from this origin in
    ('https://host:port', 'null' for pages from disk, 'self' for the
    server's own pages); with a list, other origins get 403."""
    return int(_dsl_websocket_server_origin_add(origin))


def dsl_websocket_server_origins_clear():
    """extension: no allow-list: every origin may connect."""
    return int(_dsl_websocket_server_origins_clear())


def dsl_websocket_server_origin_required_set(required):
    """extension: refuse upgrades without an Origin while a list is set."""
    return int(_dsl_websocket_server_origin_required_set(
        DSL_TRUE if required else DSL_FALSE))


_dsl_websocket_server_token_set = _bind(
    'dsl_websocket_server_token_set', _uint, [_wstr])


def dsl_websocket_server_token_set(token):
    """extension: viewers need this token (?token= on the page's URL);
    None: no token."""
    return int(_dsl_websocket_server_token_set(token))


_dsl_websocket_server_authorize_listener_set = _bind(
    'dsl_websocket_server_authorize_listener_set', _uint,
    [DSL_WEBSOCKET_SERVER_AUTHORIZE_LISTENER, c_void_p])


def dsl_websocket_server_authorize_listener_set(listener, client_data):
    """extension: listener(path, token, origin, remote_address,
    client_data) returns True to let a client in (False: HTTP 401); its
    return value may be a bool. None removes it."""
    if listener is None:
        _authorize[0] = None
        return _add_listener(_dsl_websocket_server_authorize_listener_set,
                             ('websocket_server_authorize',), None,
                             DSL_WEBSOCKET_SERVER_AUTHORIZE_LISTENER())

    def call(path, token, origin, remote_address, data):
        return DSL_TRUE if listener(path, token, origin, remote_address,
                                    data) else DSL_FALSE
    _authorize[0] = DSL_WEBSOCKET_SERVER_AUTHORIZE_LISTENER(call)
    return _add_listener(_dsl_websocket_server_authorize_listener_set,
                         ('websocket_server_authorize',), client_data,
                         _authorize[0])


_authorize = [None]   # the one C callback in use

# ---------------------------------------------------------------------------
# General services
# ---------------------------------------------------------------------------


_dsl_main_loop_run = _bind('dsl_main_loop_run', None, [])


def dsl_main_loop_run():
    """Runs the main loop until dsl_main_loop_quit(), SIGINT or SIGTERM.
    Listeners run on the calling thread, inside this call. The library puts
    the process's own signal handlers back when it returns."""
    _dsl_main_loop_run()


_dsl_main_loop_quit = _bind('dsl_main_loop_quit', None, [])


def dsl_main_loop_quit():
    _dsl_main_loop_quit()


_dsl_delete_all = _bind('dsl_delete_all', None, [])


def dsl_delete_all():
    _dsl_delete_all()


_dsl_return_value_to_string = _bind(
    'dsl_return_value_to_string', c_wchar_p, [_uint])


def dsl_return_value_to_string(result):
    return _dsl_return_value_to_string(result)


_dsl_state_value_to_string = _bind(
    'dsl_state_value_to_string', c_wchar_p, [_uint])


def dsl_state_value_to_string(state):
    return _dsl_state_value_to_string(state)


_dsl_info_version_get = _bind('dsl_info_version_get', c_wchar_p, [])


def dsl_info_version_get():
    return _dsl_info_version_get()
