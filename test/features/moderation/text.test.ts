// How moderation reads text: links however written, blocklist phrases through spacing, width and
// case, whole words for Latin ones, regular expressions; allowed domains; and the weighted length.
import { describe, expect, it } from 'vitest';
import { weightedLength } from '../../../src/features/moderation/moderation.js';
import { allowedHost, compilePattern, fold, hostOf, linkHosts } from '../../../src/features/moderation/text.js';

const hits = (pattern: string, text: string) => compilePattern(pattern).test(fold(text));

describe('moderation text', () => {
  it('finds links with a scheme, www., bare domains, invite links, 。 for a dot and full-width letters', () => {
    expect(linkHosts('see https://Shop.Example.com/x?y=1, www.foo.cn and bar.xyz/deal')).toEqual([
      'shop.example.com',
      'www.foo.cn',
      'bar.xyz',
    ]);
    expect(linkHosts('进群 t。me/+AbC')).toEqual(['t.me']);
    expect(linkHosts('ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ')).toEqual(['evil.com']);
    expect(linkHosts('扫码 https://weixin.qq.com/g/AbC')).toEqual(['weixin.qq.com']);
  });

  it('does not take e-mail addresses, numbers or ordinary words for links', () => {
    expect(linkHosts('write to a@b.com')).toEqual([]);
    expect(linkHosts('it costs 1.5 yuan, ok.so what, e.g. this')).toEqual([]);
  });

  it('allows a domain and its subdomains only', () => {
    expect(allowedHost('www.example.com', ['example.com'])).toBe(true);
    expect(allowedHost('menu.example.com', ['example.com'])).toBe(true);
    expect(allowedHost('example.com.evil.io', ['example.com'])).toBe(false);
    expect(allowedHost('notexample.com', ['example.com'])).toBe(false);
    expect(hostOf('https://Evil.XYZ/path')).toBe('evil.xyz');
  });

  it('blocklist phrases match through spacing, punctuation, width and case', () => {
    expect(hits('加微信', '欢迎加 微-信 123')).toBe(true);
    expect(hits('fullwidth', 'ＦＵＬＬＷＩＤＴＨ form')).toBe(true);
    expect(hits('ｶﾀｶﾅ', 'カタカナ')).toBe(true);
    expect(hits('casino', 'c.a.s.i.n.o tonight')).toBe(true);
    expect(hits('加微信', '微信加我')).toBe(false);
  });

  it('a Latin word matches whole; a regular expression runs over the folded text', () => {
    expect(hits('ass', 'first class')).toBe(false);
    expect(hits('ass', 'you ASS!')).toBe(true);
    expect(hits('/代购|刷单/', '专业代购，价格优惠')).toBe(true);
    expect(hits('/free\\s+crypto/', 'FREE   Crypto now')).toBe(true);
    expect(hits('/^hi$/g', 'hi')).toBe(true);
    // A /g/ flag would make the pattern remember where it stopped: it is dropped.
    expect(hits('/^hi$/g', 'hi')).toBe(true);
  });

  it('counts Chinese characters twice', () => {
    expect(weightedLength('谢谢老板')).toBe(8);
    expect(weightedLength('thanks')).toBe(6);
  });
});
