#!/usr/bin/env python3
"""report.py - reads memcheck's XML log of scripts/valgrind and judges it.

Usage: report.py MEMCHECK_XML TEXT_OUT SOURCE_ROOT BUILD_DIR

Writes every error memcheck kept (after tests/valgrind.supp) to TEXT_OUT,
readable, each stack frame of ours marked with '*', and with the
suppression memcheck generated for it when --gen-suppressions was on.
Prints a short summary: errors, lost bytes and blocks (ours and all) by
kind, the suppressions used. A frame is ours if its object is libdsl or
dsl-webrtc-serve, or its source file is under src/ or tools/.

Exits 1 if there is an invalid read, write or free anywhere, a use of
uninitialised values (or an uninitialised system call argument) with a
frame of ours on its stack, or a definite leak with a frame of ours on its
stack; 2 if the log is missing or cut short (memcheck never finished).
"""

import os
import sys
import xml.etree.ElementTree as ElementTree

# Wrong wherever they happen: memory that is not the program's to touch
BAD_ANYWHERE = {'InvalidRead', 'InvalidWrite', 'InvalidFree',
                'MismatchedFree', 'InvalidJump', 'InvalidMemPool', 'Overlap',
                'FishyValue'}
# Ours if our code is on the stack
UNINIT = {'UninitCondition', 'UninitValue', 'SyscallParam', 'ClientCheck'}
LEAKS = ['Leak_DefinitelyLost', 'Leak_IndirectlyLost', 'Leak_PossiblyLost']
LEAK_NAMES = {'Leak_DefinitelyLost': 'definitely lost',
              'Leak_IndirectlyLost': 'indirectly lost',
              'Leak_PossiblyLost': 'possibly lost'}


class Frame:
    def __init__(self, element, ours_dirs, ours_objs):
        def text(tag):
            found = element.find(tag)
            return found.text if found is not None else None
        self.fn = text('fn') or '???'
        self.obj = text('obj') or ''
        self.file = text('file')
        self.line = text('line')
        directory = text('dir')
        path = os.path.normpath(os.path.join(directory, self.file)) \
            if directory and self.file else ''
        self.ours = (any(path.startswith(d) for d in ours_dirs) or
                     os.path.basename(self.obj).startswith(ours_objs))

    def __str__(self):
        where = '{}:{}'.format(self.file, self.line) if self.file else \
            'in ' + self.obj
        return '{} {} ({})'.format('*' if self.ours else ' ', self.fn, where)


class Error:
    def __init__(self, element, ours_dirs, ours_objs):
        self.unique = element.findtext('unique')
        self.kind = element.findtext('kind')
        xwhat = element.find('xwhat')
        self.what = (xwhat.findtext('text') if xwhat is not None
                     else element.findtext('what')) or ''
        self.bytes = int(xwhat.findtext('leakedbytes') or 0) \
            if xwhat is not None else 0
        self.blocks = int(xwhat.findtext('leakedblocks') or 0) \
            if xwhat is not None else 0
        # the first stack is the error's; the others follow an auxwhat
        # (where a block was freed or allocated)
        self.stacks = []
        label = None
        for child in element:
            if child.tag == 'auxwhat':
                label = child.text
            elif child.tag == 'stack':
                frames = [Frame(f, ours_dirs, ours_objs)
                          for f in child.findall('frame')]
                self.stacks.append((label, frames))
                label = None
        self.suppression = element.findtext('suppression/rawtext')
        self.count = 1

    def ours(self):
        return any(f.ours for _, frames in self.stacks for f in frames)

    def fails(self):
        if self.kind in BAD_ANYWHERE:
            return True
        if self.kind in UNINIT or self.kind == 'Leak_DefinitelyLost':
            return self.ours()
        return False

    def first_of_ours(self):
        for _, frames in self.stacks:
            for f in frames:
                if f.ours:
                    return f.fn
        return None

    def render(self):
        lines = ['{} ({}x){}{}: {}'.format(
            self.kind, self.count, ' OURS' if self.ours() else '',
            ' FAILS' if self.fails() else '', self.what)]
        for label, frames in self.stacks:
            if label:
                lines.append('  ' + label)
            lines.extend('    ' + str(f) for f in frames)
        if self.suppression:
            lines.append('  suppression memcheck generated:')
            lines.extend('    ' + line
                         for line in self.suppression.strip().splitlines())
        return '\n'.join(lines)


def main(xml_path, text_out, source_root, build_dir):
    source_root = os.path.realpath(source_root)
    ours_dirs = tuple(os.path.join(source_root, d) + os.sep
                      for d in ('src', 'tools'))
    ours_objs = ('libdsl.so', 'dsl-webrtc-serve')
    try:
        root = ElementTree.parse(xml_path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        print('valgrind: no complete log in {} ({}): memcheck did not '
              'finish'.format(xml_path, error))
        return 2
    if root.find('status[state="FINISHED"]') is None:
        print('valgrind: the log has no FINISHED status')
        return 2

    errors = {}
    for element in root.findall('error'):
        error = Error(element, ours_dirs, ours_objs)
        errors[error.unique] = error
    for pair in root.findall('errorcounts/pair'):
        unique = pair.findtext('unique')
        if unique in errors:
            errors[unique].count = int(pair.findtext('count'))
    suppressions = [(int(p.findtext('count')), p.findtext('name'))
                    for p in root.findall('suppcounts/pair')]

    with open(text_out, 'w') as out:
        for error in sorted(errors.values(),
                            key=lambda e: (not e.fails(), not e.ours(),
                                           e.kind)):
            out.write(error.render() + '\n\n')
        out.write('Suppressions used (count, name):\n')
        for count, name in sorted(suppressions, reverse=True):
            out.write('  {:6} {}\n'.format(count, name))

    others = [e for e in errors.values() if not e.kind.startswith('Leak_')]
    failing = [e for e in errors.values() if e.fails()]
    print('valgrind: {} error contexts outside leaks ({} occurrences), '
          '{} with our code on the stack'.format(
              len(others), sum(e.count for e in others),
              sum(1 for e in others if e.ours())))
    for kind in LEAKS:
        records = [e for e in errors.values() if e.kind == kind]
        ours = [e for e in records if e.ours()]
        print('valgrind: {}: ours {} bytes in {} blocks; all {} bytes in {} '
              'blocks'.format(LEAK_NAMES[kind],
                              sum(e.bytes for e in ours),
                              sum(e.blocks for e in ours),
                              sum(e.bytes for e in records),
                              sum(e.blocks for e in records)))
    for error in others:
        if not error.ours():
            top = error.stacks[0][1][0] if error.stacks and \
                error.stacks[0][1] else None
            print('valgrind:   third-party {} ({}x) at {}'.format(
                error.kind, error.count, str(top).strip() if top else '?'))
    print('valgrind: suppressions used: {}'.format(
        ', '.join('{} {}'.format(name, count)
                  for count, name in sorted(suppressions, reverse=True))
        or 'none'))
    for error in failing:
        print('valgrind: FAIL {} ({}x) in {}: {}'.format(
            error.kind, error.count, error.first_of_ours() or
            (error.stacks[0][1][0].fn if error.stacks and
             error.stacks[0][1] else '?'), error.what))
    return 1 if failing else 0


if __name__ == '__main__':
    if len(sys.argv) != 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
