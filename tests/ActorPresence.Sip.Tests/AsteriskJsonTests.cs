using System.Text;
using ActorPresence.Domain;

namespace ActorPresence.Sip.Tests;

/// <summary>The JSON of res_pjsip_publish_asterisk, written and read.</summary>
public sealed class AsteriskJsonTests
{
    private static readonly AsteriskEid Eid = new("02:00:00:00:00:01");

    private static AsteriskEvent Read(string json) => SipBodies.ReadAsterisk(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_device_state_is_written_with_Asterisks_field_names_in_its_order()
    {
        var json = SipBodies.AsteriskDeviceState(new DeviceId("PJSIP/1000"), DeviceState.InUse, Eid);

        Assert.Equal("""{"type":"devicestate","device":"PJSIP/1000","state":"INUSE","cachable":1,"eid":"02:00:00:00:00:01"}""", Encoding.UTF8.GetString(json));
    }

    [Fact]
    public void Mailbox_counts_are_written_with_Asterisks_field_names_in_its_order()
    {
        var json = SipBodies.AsteriskMailbox(new MailboxId("1000"), new MailboxCounts(2, 5, 1), Eid);

        Assert.Equal("""{"type":"mailboxstate","uniqueid":"1000@default","old":5,"new":2,"eid":"02:00:00:00:00:01"}""", Encoding.UTF8.GetString(json));
    }

    [Fact]
    public void Every_device_state_is_written_by_its_Asterisk_name_and_reads_back()
    {
        foreach (var state in DeviceStateNames.All)
        {
            var json = SipBodies.AsteriskDeviceState(new DeviceId("Custom:lamp+1"), state, Eid);

            Assert.Contains($"\"state\":\"{state.ToName()}\"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
            Assert.Equal(new AsteriskDeviceEvent(Eid, new DeviceId("Custom:lamp+1"), state), SipBodies.ReadAsterisk(json));
        }
    }

    [Fact]
    public void Written_mailbox_counts_read_back_without_the_urgent_count_this_wire_does_not_carry()
    {
        var json = SipBodies.AsteriskMailbox(new MailboxId("1000@sales"), new MailboxCounts(2, 5, 1), Eid);

        Assert.Equal(new AsteriskMailboxEvent(Eid, new MailboxId("1000@sales"), new MailboxCounts(2, 5)), SipBodies.ReadAsterisk(json));
    }

    [Fact]
    public void What_an_Asterisk_server_sends_is_read_whatever_the_field_order_and_extra_fields()
    {
        var device = Read("""{"eid":"02:AB:CD:EF:00:01","cachable":1,"state":"ringinuse","device":"PJSIP/2000","type":"devicestate","extra":[1,2]}""");
        var mailbox = Read("""{"type":"mailboxstate","uniqueid":"2000@default","new":0,"old":7,"eid":"02:ab:cd:ef:00:01"}""");
        var refresh = Read("""{"type":"refresh","eid":"02:ab:cd:ef:00:01"}""");

        var eid = new AsteriskEid("02:ab:cd:ef:00:01");
        Assert.Equal(new AsteriskDeviceEvent(eid, new DeviceId("PJSIP/2000"), DeviceState.RingInUse), device);
        Assert.Equal(new AsteriskMailboxEvent(eid, new MailboxId("2000@default"), new MailboxCounts(0, 7)), mailbox);
        Assert.Equal(new AsteriskRefreshEvent(eid), refresh);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { """{"type":"devicestate","device":"PJSIP/1","state":"INUSE","eid":"02:00:00:00:00"}""", "eid" },
        { """{"type":"devicestate","device":"PJSIP/1","state":"INUSE","eid":"02-00-00-00-00-01"}""", "eid" },
        { """{"type":"devicestate","device":"PJSIP/1","state":"INUSE"}""", "eid" },
        { """{"type":"devicestate","device":"PJSIP/1","state":"INUSE","eid":2}""", "eid" },
        { """{"type":"devicestate","device":"PJSIP/1","state":"SMOKING","eid":"02:00:00:00:00:01"}""", "state" },
        { """{"type":"devicestate","device":"PJSIP/1","state":2,"eid":"02:00:00:00:00:01"}""", "state" },
        { """{"type":"devicestate","device":"PJ SIP/1","state":"INUSE","eid":"02:00:00:00:00:01"}""", "device" },
        { """{"type":"devicestate","state":"INUSE","eid":"02:00:00:00:00:01"}""", "device" },
        { """{"type":"mailboxstate","uniqueid":"1000","new":-1,"old":0,"eid":"02:00:00:00:00:01"}""", "new" },
        { """{"type":"mailboxstate","uniqueid":"1000","new":1,"old":-5,"eid":"02:00:00:00:00:01"}""", "old" },
        { """{"type":"mailboxstate","uniqueid":"1000","new":"2","old":0,"eid":"02:00:00:00:00:01"}""", "new" },
        { """{"type":"mailboxstate","uniqueid":"1000","new":1.5,"old":0,"eid":"02:00:00:00:00:01"}""", "new" },
        { """{"type":"mailboxstate","uniqueid":"1000","new":4294967296,"old":0,"eid":"02:00:00:00:00:01"}""", "new" },
        { """{"type":"mailboxstate","uniqueid":"1000","old":0,"eid":"02:00:00:00:00:01"}""", "new" },
        { """{"type":"mailboxstate","uniqueid":"a@b@c","new":1,"old":0,"eid":"02:00:00:00:00:01"}""", "mailbox" },
        { """{"type":"presencestate","eid":"02:00:00:00:00:01"}""", "type" },
        { """{"type":null,"eid":"02:00:00:00:00:01"}""", "type" },
        { """{"eid":"02:00:00:00:00:01"}""", "type" },
        { """["devicestate"]""", "not a JSON object" },
        { "\"devicestate\"", "not a JSON object" },
        { "", "not JSON" },
        { "{\"type\":", "not JSON" },
        { """{"type":"refresh","eid":"02:00:00:00:00:01","x":[[[[1]]]]}""", "not JSON" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_publication_body_that_breaks_a_rule_is_refused_naming_what(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => Read(json));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_within_the_depth_limit_is_read()
    {
        Assert.IsType<AsteriskRefreshEvent>(Read("""{"type":"refresh","eid":"02:00:00:00:00:01","x":[[[1]]]}"""));
    }

    [Fact]
    public void A_publication_body_over_MaxBodyBytes_is_refused_unread()
    {
        var json = "{\"type\":\"refresh\",\"eid\":\"02:00:00:00:00:01\",\"pad\":\"" + new string('p', SipLimits.MaxBodyBytes) + "\"}";

        var e = Assert.Throws<FormatException>(() => Read(json));

        Assert.Contains($"over {SipLimits.MaxBodyBytes}", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Found by the body fuzz test: JsonDocument.Parse accepts a string with bytes that are not UTF-8, and
    /// GetString then throws InvalidOperationException, which ReadAsterisk lets out. SipEdge.PublishAsync
    /// catches FormatException and ValidationException only, so such a PUBLISH gets 500 and an error log
    /// with a stack trace instead of 400.
    /// </summary>
    [Fact]
    public void A_JSON_string_that_is_not_UTF_8_is_refused_with_FormatException()
    {
        byte[] json = [.. "{\"type\":\"devicestate\",\"device\":\"PJSIP/"u8, 0xf4, 0x80, .. "\",\"state\":\"INUSE\",\"eid\":\"02:00:00:00:00:01\"}"u8];

        Assert.Throws<FormatException>(() => SipBodies.ReadAsterisk(json));
    }
}
