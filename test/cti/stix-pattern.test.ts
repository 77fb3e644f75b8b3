import assert from 'node:assert/strict';
import { compilePattern, observationsOf, parsePattern, PatternSyntaxError } from '../../nodes/cti/stix-pattern';
import type { ObservedData } from '../../nodes/cti/stix-pattern';
import { Rng } from '../../bench/random';

/** The example patterns of STIX 2.1 (OASIS Standard, §9.9 and the object sections). */
const OASIS_EXAMPLES = [
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
  "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] WITHIN 300 SECONDS",
  "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
  "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
  "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
  "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
  "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
  "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
  "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
  "[domain-name:value = 'www.5z8.info' AND domain-name:resolvess_to_refs[*].value = '198.51.100.1/32']",
  "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
  "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
  "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
  "[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
  "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
  "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
  "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
  "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
  "([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
  "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
  "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
  "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
  "[network-traffic:src_port > 1023 AND network-traffic:protocols[*] IN ('tcp', 'http')] REPEATS 2 TIMES",
  "[user-account:extensions.'unix-account-ext'.gid = 1001 AND NOT user-account:is_privileged = true]".replace('AND NOT user-account:is_privileged = true', "AND user-account:is_privileged NOT = true"),
  "[file:name LIKE 'foo_.%'] /* a comment */ OR [file:size <= 4096] // line comment",
  "[file:content_ref.payload_bin = b'dGVzdA==']",
];

function obs(first: string, objects: Record<string, Record<string, unknown>>, last = first, count = 1): Record<string, unknown> {
  return { type: 'observed-data', first_observed: first, last_observed: last, number_observed: count, objects };
}

function matches(pattern: string, data: Array<Record<string, unknown>>): boolean {
  return compilePattern(pattern).match(observationsOf(data)).matched;
}

describe('STIX 2.1 pattern engine', () => {
  describe('parser', () => {
    for (const example of OASIS_EXAMPLES) {
      it(`accepts the OASIS example ${example.slice(0, 70)}…`, () => {
        assert.doesNotThrow(() => compilePattern(example));
      });
    }

    const BAD: Array<[string, number, RegExp]> = [
      ["[file:name = 'a'", 16, /expected '\]'/],
      ["[file:name == ]", 14, /expected a literal/],
      ["[file:name = 'a'] AND", 21, /expected '\[' or '\('/],
      ["[file:name = 'a'] and [file:size = 1]", 18, /expected AND, OR/],
      ["[file:hashes.MD5 = 'abc']", 17, /not a valid MD5 hash/],
      ["[file:size > true]", 13, /expected a number/],
      ["[file:name LIKE 5]", 16, /LIKE takes a string/],
      ["[file:name = 'a'] WITHIN -5 SECONDS", 25, /positive number of seconds/],
      ["[file:name = 'a'] START t'2016-13-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 24, /timestamp literal/],
      ["[file:name = 'a'] WITHIN 5 SECONDS WITHIN 9 SECONDS", 35, /no second WITHIN/],
      ["[file:some-prop = 'a']", 6, /quote one with a hyphen/],
      ["[file:name MATCHES '(unclosed']", 11, /invalid regular expression/],
      ["[file:name = 'unterminated]", 13, /unterminated string/],
      ["[file:name ~ 'a']", 11, /unexpected character '~'/],
    ];
    for (const [pattern, position, message] of BAD) {
      it(`reports ${message.source} at ${position} in ${pattern}`, () => {
        assert.throws(() => compilePattern(pattern), (err: unknown) => {
          assert.ok(err instanceof PatternSyntaxError, String(err));
          assert.match(err.message, message);
          assert.equal(err.position, position, err.message);
          assert.equal(err.column, position + 1);
          return true;
        });
      });
    }

    it('allows stacked qualifiers of one type on a parenthesised group, as the reference validator does', () => {
      assert.doesNotThrow(() => parsePattern("([file:name = 'a']) WITHIN 5 SECONDS WITHIN 9 SECONDS"));
    });

    it('never fails with anything but a PatternSyntaxError on random edits of valid patterns (fuzz)', () => {
      const rng = new Rng(17);
      const alphabet = "[]()'.:=!<>*,-+ ANDORFLWEBYNTISUPMCHXWhtb0123456789\\/";
      for (let i = 0; i < 5000; i++) {
        let p = OASIS_EXAMPLES[i % OASIS_EXAMPLES.length];
        for (let k = 0; k < 1 + (i % 4); k++) {
          const at = Math.floor(rng.next() * p.length);
          const c = alphabet[Math.floor(rng.next() * alphabet.length)];
          p = rng.next() < 0.5 ? p.slice(0, at) + c + p.slice(at + 1) : p.slice(0, at) + p.slice(at + 1);
        }
        try {
          compilePattern(p).match([]);
        } catch (err) {
          assert.ok(err instanceof PatternSyntaxError, `${p}: ${String(err)}`);
          assert.ok(err.position >= 0 && err.position <= p.length);
        }
      }
    });

    it('refuses deep nesting and huge patterns with a syntax error, not a stack overflow', () => {
      assert.throws(() => parsePattern(`${'('.repeat(5000)}[a:b = 1]${')'.repeat(5000)}`), PatternSyntaxError);
      assert.throws(() => parsePattern(`[a:b = '${'x'.repeat(70_000)}']`), /longer than/);
    });
  });

  describe('evaluation over observed data', () => {
    const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
    const file = (name: string, size: number, md5 = 'cead3f77f6cda6ec00f57d76c9a6879f'): Record<string, unknown> => ({ type: 'file', name, size, hashes: { MD5: md5 } });

    it('compares hashes, strings, numbers, sets and patterns; NOT negates; a missing property is false', () => {
      const data = [obs(t(0), { 0: file('invoice.pdf.exe', 4096) })];
      assert.ok(matches("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']", data));
      assert.ok(matches("[file:hashes.'MD5' = 'cead3f77f6cda6ec00f57d76c9a6879f' AND file:size >= 4096]", data));
      assert.ok(!matches('[file:size > 4096]', data));
      assert.ok(matches('[file:size NOT > 4096]', data));
      assert.ok(matches("[file:name IN ('a', 'invoice.pdf.exe')]", data));
      assert.ok(matches("[file:name LIKE '%.pdf._x_']", data));
      assert.ok(matches("[file:name MATCHES '\\\\.exe$']", data));
      assert.ok(!matches("[file:name MATCHES '^exe']", data));
      assert.ok(!matches("[file:mime_type != 'x']", data), 'no mime_type: != is false too');
      assert.ok(matches('[EXISTS file:size]', data));
      assert.ok(!matches('[EXISTS file:mime_type]', data));
      assert.ok(!matches("[file:size = '4096']", data), 'a number is never equal to a string');
    });

    it('needs one object for AND inside brackets, and follows references in the observation', () => {
      const data = [obs(t(0), {
        0: { type: 'ipv4-addr', value: '198.51.100.7' },
        1: { type: 'ipv4-addr', value: '203.0.113.9' },
        2: { type: 'network-traffic', src_ref: '0', dst_ref: '1', dst_port: 443, protocols: ['ipv4', 'tcp'] },
        3: { type: 'email-message', to_refs: ['4'], subject: 'Invoice' },
        4: { type: 'email-addr', value: 'mayor@city.example' },
      })];
      assert.ok(!matches("[ipv4-addr:value = '198.51.100.7' AND ipv4-addr:value = '203.0.113.9']", data));
      assert.ok(matches("[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value = '1.1.1.1']", data));
      assert.ok(matches("[network-traffic:src_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443]", data));
      assert.ok(matches("[network-traffic:protocols[*] = 'tcp' AND network-traffic:protocols[0] = 'ipv4']", data));
      assert.ok(!matches("[network-traffic:protocols[1] = 'ipv4']", data));
      assert.ok(matches("[email-message:to_refs[*].value = 'mayor@city.example']", data));
      assert.ok(matches("[ipv4-addr:value ISSUBSET '198.51.100.0/25']", data));
      assert.ok(!matches("[ipv4-addr:value ISSUBSET '198.51.100.128/25' AND ipv4-addr:value = '198.51.100.7']", data));
    });

    it('resolves STIX 2.1 object_refs in a bundle, and binary values from *_hex and *_bin', () => {
      const bundle = [
        { type: 'file', id: 'file--1', name: 'a.bmp', magic_number_hex: 'ffd8' },
        { type: 'artifact', id: 'artifact--1', payload_bin: Buffer.from('test').toString('base64') },
        { type: 'observed-data', id: 'observed-data--1', first_observed: t(0), last_observed: t(0), number_observed: 1, object_refs: ['file--1', 'artifact--1'] },
      ];
      assert.ok(matches("[file:magic_number_hex = h'ffd8']", bundle));
      assert.ok(matches("[artifact:payload_bin = 'test']", bundle), 'binary equals a latin-1 string');
      assert.ok(matches("[artifact:payload_bin = b'dGVzdA==']", bundle));
      assert.ok(matches("[artifact:payload_bin MATCHES '^te']", bundle));
    });

    it('AND, OR and FOLLOWEDBY between observations, with WITHIN, REPEATS and START/STOP', () => {
      const data = [
        obs(t(0), { 0: file('a.exe', 1) }),
        obs(t(100), { 0: { type: 'domain-name', value: 'evil.example' } }),
        obs(t(400), { 0: file('a.exe', 1) }, t(410), 2),
      ];
      assert.ok(matches("[file:name = 'a.exe'] FOLLOWEDBY [domain-name:value = 'evil.example']", data));
      assert.ok(matches("[domain-name:value = 'evil.example'] FOLLOWEDBY [file:name = 'a.exe']", data), 'the file seen again at 400 s');
      assert.ok(matches("[domain-name:value = 'evil.example'] FOLLOWEDBY [file:name = 'a.exe'] WITHIN 200 SECONDS", data), 'WITHIN binds to the last observation only');
      assert.ok(!matches("([domain-name:value = 'evil.example'] FOLLOWEDBY [file:name = 'a.exe']) WITHIN 200 SECONDS", data));
      assert.ok(matches("([file:name = 'a.exe'] FOLLOWEDBY [domain-name:value = 'evil.example']) WITHIN 100 SECONDS", data));
      assert.ok(!matches("([file:name = 'a.exe'] FOLLOWEDBY [domain-name:value = 'evil.example']) WITHIN 99 SECONDS", data));
      assert.ok(matches("[file:name = 'a.exe'] REPEATS 3 TIMES", data), 'number_observed 2 counts twice');
      assert.ok(!matches("[file:name = 'a.exe'] REPEATS 4 TIMES", data));
      assert.ok(!matches("[file:name = 'a.exe'] REPEATS 3 TIMES WITHIN 300 SECONDS", data));
      assert.ok(matches("[file:name = 'a.exe'] AND [domain-name:value = 'evil.example']", data));
      assert.ok(!matches("[domain-name:value = 'evil.example'] AND [domain-name:value = 'evil.example']", data), 'AND needs two observations');
      assert.ok(matches("[domain-name:value = 'evil.example'] OR [file:name = 'none']", data));
      const start = t(50);
      const stop = t(150);
      assert.ok(matches(`[domain-name:value = 'evil.example'] START t'${start}' STOP t'${stop}'`, data));
      assert.ok(!matches(`[file:name = 'a.exe'] START t'${start}' STOP t'${stop}'`, data));
      assert.ok(!matches(`[domain-name:value = 'evil.example'] START t'${t(100)}' STOP t'${t(100)}'`, data), 'an empty interval never matches');
      assert.ok(!matches(`[domain-name:value = 'evil.example'] START t'${t(0)}' STOP t'${t(100)}'`, data), 'STOP is excluded');
    });

    it('reports which observations matched', () => {
      const data = [obs(t(0), { 0: file('x', 1) }), obs(t(5), { 0: file('a.exe', 1) }), obs(t(9), { 0: { type: 'domain-name', value: 'd' } })];
      const result = compilePattern("[file:name = 'a.exe'] FOLLOWEDBY [domain-name:value = 'd']").match(observationsOf(data));
      assert.deepEqual(result.observations, [1, 2]);
    });

    it('names a bad observed-data', () => {
      assert.throws(() => observationsOf([{ type: 'observed-data', id: 'observed-data--x', first_observed: 'yesterday', last_observed: t(0), number_observed: 1 }]), /observed-data--x: first_observed/);
      assert.throws(() => observationsOf([{ type: 'observed-data', id: 'observed-data--y', first_observed: t(0), last_observed: t(0), number_observed: 0 }]), /number_observed/);
    });

    it('stops a combinatorial pattern with an error instead of hanging', () => {
      const many: ObservedData[] = observationsOf(Array.from({ length: 60 }, (_, i) => obs(t(i), { 0: file('a', 1) })));
      const p = compilePattern("([file:name = 'a'] AND [file:name = 'a']) REPEATS 40 TIMES");
      assert.throws(() => p.match(many), /stopped after/);
    });
  });
});
