#!/usr/bin/python3
"""A stand-in for an Asterisk server with res_xmpp's distributed events on (distribute_events=yes).

It logs in to an XMPP server, subscribes to the device_state and message_waiting pubsub nodes, and
publishes items with the stanzas res_xmpp writes (iksemel's compact form, double quotes), one item per
request. The test drives it one command per line on stdin and reads one line per event on stdout:

  devstate DEVICE STATE [CACHABLE]   publish a device state (cachable 1 by default)
  mwi MAILBOX@CONTEXT NEW OLD         publish message-waiting counts
  item NODE ID PAYLOAD                publish any payload (for items the bridge must refuse)
  burst COUNT PREFIX STATE            publish COUNT device states, PREFIX1 … PREFIXCOUNT, at once
  offline / online                    leave (unavailable) and come back
  quit

  ready | online | offline | publishing ID | result ID | refused ID CONDITION | burst COUNT T0 T1
  item {JSON}                         every pubsub item received: node, id, publisher, t (when it was
                                      read, Unix seconds), and its payload's element, namespace,
                                      attributes, text and children's texts

Runs on Debian's /usr/bin/python3 with python3-slixmpp.
"""
import asyncio
import json
import time
import sys

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

PUBSUB = "http://jabber.org/protocol/pubsub"
EVENT = "http://jabber.org/protocol/pubsub#event"
ASTERISK = "http://asterisk.org"


def say(*parts):
    print(" ".join(str(p) for p in parts), flush=True)


def escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


class StandIn(slixmpp.ClientXMPP):
    def __init__(self, jid, password, service, eid, ca):
        super().__init__(jid, password)
        self.service = service
        self.eid = eid
        self.ca_certs = ca
        self.next_id = 0
        self.online = False
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.register_handler(Callback("pubsub events", MatchXPath("{jabber:client}message"), self.on_message))
        self.register_handler(Callback("iq answers", MatchXPath("{jabber:client}iq"), self.on_iq))

    def mid(self):
        self.next_id += 1
        return "aaaa" + str(self.next_id)

    async def on_start(self, _):
        # As res_xmpp at connect: roster, presence with its caps, then unsubscribe and subscribe both nodes.
        self.send_raw('<iq type="get" id="roster"><query xmlns="jabber:iq:roster"/></iq>')
        self.send_raw('<presence><priority>1</priority><c xmlns="http://jabber.org/protocol/caps" '
                      'node="http://www.asterisk.org/xmpp/client/caps" ver="asterisk-xmpp" '
                      'ext="voice-v1 video-v1 camera-v1"/></presence>')
        for node in ("device_state", "message_waiting"):
            self.send_raw('<iq type="set" to="%s" id="%s"><pubsub xmlns="%s"><unsubscribe jid="%s" node="%s"/></pubsub></iq>'
                          % (self.service, self.mid(), PUBSUB, self.boundjid.bare, node))
            self.send_raw('<iq type="set" to="%s" id="sub-%s"><pubsub xmlns="%s"><subscribe jid="%s" node="%s"/></pubsub></iq>'
                          % (self.service, node, PUBSUB, self.boundjid.bare, node))
        self.online = True
        say("online", self.boundjid.full)

    def on_disconnected(self, _):
        if self.online:
            self.online = False
            say("offline")

    def on_iq(self, iq):
        kind = iq.xml.get("type")
        ident = iq.xml.get("id") or ""
        if kind == "result":
            say("result", ident)
        elif kind == "error":
            error = iq.xml.find("{jabber:client}error")
            condition = error[0].tag.split("}")[-1] if error is not None and len(error) else "unknown"
            say("refused", ident, condition)
        elif kind in ("get", "set"):
            # Pings and anything else: answered, as every get and set must be.
            self.send_raw('<iq type="result" id="%s" to="%s"/>' % (escape(ident), escape(iq.xml.get("from") or "")))

    def on_message(self, message):
        event = message.xml.find("{%s}event" % EVENT)
        if event is None:
            return
        items = event.find("{%s}items" % EVENT)
        if items is None:
            return
        for item in items.findall("{%s}item" % EVENT):
            report = {"node": items.get("node"), "id": item.get("id"), "publisher": item.get("publisher"),
                      "payloads": len(item), "t": time.time()}
            if len(item):
                payload = item[0]
                namespace, _, name = payload.tag[1:].partition("}")
                report.update({"element": name, "ns": namespace, "attrs": dict(payload.attrib),
                               "text": (payload.text or "").strip(),
                               "children": [[child.tag.split("}")[-1], child.text or ""] for child in payload]})
            say("item", json.dumps(report, separators=(",", ":")))

    def publish(self, node, item_id, payload, quiet=False):
        ident = self.mid()
        self.send_raw('<iq type="set" to="%s" from="%s" id="%s"><pubsub xmlns="%s"><publish node="%s"><item id="%s">%s</item></publish></pubsub></iq>'
                      % (self.service, self.boundjid.full, ident, PUBSUB, node, escape(item_id), payload))
        if not quiet:
            say("publishing", ident)

    def devstate(self, device, state, cachable="1"):
        self.publish("device_state", device,
                     '<state xmlns="%s" eid="%s" cachable="%s">%s</state>' % (ASTERISK, self.eid, cachable, state))

    def burst(self, count, prefix, state):
        start = time.time()
        for n in range(1, int(count) + 1):
            self.publish("device_state", prefix + str(n),
                         '<state xmlns="%s" eid="%s" cachable="1">%s</state>' % (ASTERISK, self.eid, state), quiet=True)
        say("burst", count, start, time.time())

    def mwi(self, mailbox, new, old):
        self.publish("message_waiting", mailbox,
                     '<mailbox xmlns="%s" eid="%s"><NEWMSGS>%d</NEWMSGS><OLDMSGS>%d</OLDMSGS></mailbox>'
                     % (ASTERISK, self.eid, int(new), int(old)))


async def commands(client, host, port):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode()
        if not line:
            break
        words = line.strip().split(" ", 3)
        if not words or not words[0]:
            continue
        command = words[0]
        try:
            if command == "devstate":
                client.devstate(*words[1:])
            elif command == "mwi":
                client.mwi(*words[1:])
            elif command == "burst":
                client.burst(*words[1:])
            elif command == "item":
                client.publish(words[1], words[2], words[3])
            elif command == "offline":
                client.disconnect()
            elif command == "online":
                client.connect((host, port))
            elif command == "quit":
                break
            else:
                say("error", "unknown command", command)
        except Exception as e:  # a bad command line is the test's bug: say so, go on
            say("error", repr(e))
    client.disconnect()
    await asyncio.sleep(0.2)


def main():
    jid, password, service, eid, host, port, ca = sys.argv[1:8]
    client = StandIn(jid, password, service, eid, ca)
    client.connect((host, int(port)))
    say("ready")
    asyncio.get_event_loop().run_until_complete(commands(client, host, int(port)))


if __name__ == "__main__":
    main()
