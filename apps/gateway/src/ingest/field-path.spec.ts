import { FieldPathError, parseFieldPath, resolvePath } from './field-path.js';

describe('field paths', () => {
  it('parses dotted, $-rooted, indexed and quoted paths', () => {
    expect(parseFieldPath('labels.alertname')).toEqual(['labels', 'alertname']);
    expect(parseFieldPath('$.alert.name')).toEqual(['alert', 'name']);
    expect(parseFieldPath('alerts[0].labels.severity')).toEqual(['alerts', 0, 'labels', 'severity']);
    expect(parseFieldPath("$['key.with.dots'][2]")).toEqual(['key.with.dots', 2]);
    expect(parseFieldPath('a["x]y"].b')).toEqual(['a', 'x]y', 'b']);
    expect(parseFieldPath('$')).toEqual([]);
  });

  it('refuses malformed paths, saying why', () => {
    expect(() => parseFieldPath('')).toThrow(FieldPathError);
    expect(() => parseFieldPath('a..b')).toThrow('empty field name');
    expect(() => parseFieldPath('a.')).toThrow('ends with "."');
    expect(() => parseFieldPath('a[x]')).toThrow('use [n] for an array index');
    expect(() => parseFieldPath("a['x")).toThrow('unclosed');
    expect(() => parseFieldPath('x'.repeat(600))).toThrow('longer than 512');
  });

  it('resolves own properties only, undefined when a step is missing', () => {
    const value = { labels: { alertname: 'Disk' }, list: [{ n: 1 }], 'a.b': 2 };
    expect(resolvePath(value, parseFieldPath('labels.alertname'))).toBe('Disk');
    expect(resolvePath(value, parseFieldPath('list[0].n'))).toBe(1);
    expect(resolvePath(value, parseFieldPath("['a.b']"))).toBe(2);
    expect(resolvePath(value, parseFieldPath('list[5].n'))).toBeUndefined();
    expect(resolvePath(value, parseFieldPath('labels.toString'))).toBeUndefined();
    expect(resolvePath(value, parseFieldPath('labels.alertname.length'))).toBeUndefined();
  });
});
