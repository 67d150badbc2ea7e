import assert from "node:assert/strict";
import { test } from "node:test";
import { buildQuery, buildResponse, DNS_TYPE, parseQuery, parseResponse, RCODE } from "./dns-message.ts";

test("parseQuery reads id, name and type of a query", () => {
  const q = parseQuery(buildQuery(0x1234, "Web.MyNet.", DNS_TYPE.A))!;
  assert.equal(q.id, 0x1234);
  assert.equal(q.name, "Web.MyNet");
  assert.equal(q.type, DNS_TYPE.A);
  assert.equal(q.class, 1);
  assert.equal(parseQuery(Buffer.from([1, 2, 3])), undefined);
  assert.equal(parseQuery(buildResponse(q, 0)), undefined, "responses are not queries");
});

test("buildResponse answers A and PTR records that parse back", () => {
  const q = parseQuery(buildQuery(7, "web", DNS_TYPE.A))!;
  const r = parseResponse(
    buildResponse(q, RCODE.NOERROR, [
      { type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" },
      { type: DNS_TYPE.A, ttl: 600, data: "10.213.1.3" },
    ]),
  );
  assert.deepEqual(r, {
    id: 7,
    rcode: 0,
    answers: [
      { type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" },
      { type: DNS_TYPE.A, ttl: 600, data: "10.213.1.3" },
    ],
  });
  const p = parseQuery(buildQuery(8, "2.1.213.10.in-addr.arpa", DNS_TYPE.PTR))!;
  assert.deepEqual(
    parseResponse(buildResponse(p, 0, [{ type: DNS_TYPE.PTR, ttl: 600, data: "web.mynet" }])).answers,
    [{ type: DNS_TYPE.PTR, ttl: 600, data: "web.mynet" }],
  );
  const flags = buildResponse(q, RCODE.NXDOMAIN).readUInt16BE(2);
  assert.equal(flags & 0x8000, 0x8000, "QR");
  assert.equal(flags & 0x0100, 0x0100, "RD copied");
  assert.equal(flags & 0xf, RCODE.NXDOMAIN);
});

test("parseQuery follows a compression pointer", () => {
  const plain = buildQuery(9, "a.example", DNS_TYPE.A);
  // header + question whose name is a pointer to a name placed after it
  const name = plain.subarray(12, plain.length - 4);
  const header = plain.subarray(0, 12);
  const msg = Buffer.concat([header, Buffer.from([0xc0, 12 + 6]), Buffer.from([0, 1, 0, 1]), name]);
  assert.equal(parseQuery(msg)?.name, "a.example");
});
