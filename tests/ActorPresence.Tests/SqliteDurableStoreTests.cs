using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.DistributedData.Durable;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests;

/// <summary>
/// The SQLite durable store, driven with the messages the replicator sends it. What it wrote is
/// read from its file by a connection of the test's own; triggers of the test's count the rows each
/// commit writes and make a commit fail.
/// </summary>
public sealed class SqliteDurableStoreTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("ap-store-").FullName;
    private readonly string _path;
    private int _stores;

    public SqliteDurableStoreTests(ITestOutputHelper output)
        : base(ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1", Port = 0 })
            .WithFallback(DistributedData.DefaultConfig()), "actorpresence", output)
    {
        _path = Path.Combine(_directory, "ddata.sqlite");
    }

    private IActorRef StartStore()
    {
        var config = ConfigurationFactory.ParseString($"sqlite.path = \"{_path.Replace("\\", "\\\\", StringComparison.Ordinal)}\"");
        return Sys.ActorOf(Props.Create(() => new SqliteDurableStore(config)), $"store-{++_stores}");
    }

    /// <summary>Sends LoadAll and returns what came back before LoadAllCompleted.</summary>
    private Dictionary<string, IReplicatedData> Load(IActorRef store)
    {
        store.Tell(LoadAll.Instance, TestActor);
        var loaded = new Dictionary<string, IReplicatedData>(StringComparer.Ordinal);
        while (true)
        {
            var message = ExpectMsg<object>(Timeout);
            if (message is LoadAllCompleted)
            {
                return loaded;
            }
            foreach (var (key, envelope) in Assert.IsType<LoadData>(message).Data)
            {
                loaded[key] = envelope.Data;
            }
        }
    }

    private IActorRef StartAndLoad() => StartAndLoad(out _);

    private IActorRef StartAndLoad(out Dictionary<string, IReplicatedData> loaded)
    {
        var store = StartStore();
        loaded = Load(store);
        return store;
    }

    private void Stop(IActorRef store)
    {
        Watch(store);
        Sys.Stop(store);
        ExpectTerminated(store, Timeout);
    }

    private static Store StoreOf(string key, IReplicatedData data, IActorRef replyTo, string tag = "") =>
        new(key, new DurableDataEnvelope(data), new StoreReply($"stored {key} {tag}", $"failed {key} {tag}", replyTo));

    private void StoreAndExpectSuccess(IActorRef store, string key, IReplicatedData data)
    {
        store.Tell(StoreOf(key, data, TestActor));
        ExpectMsg($"stored {key} ", Timeout);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private void Sql(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private List<string> Column(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var rows = command.ExecuteReader();
        var values = new List<string>();
        while (rows.Read())
        {
            values.Add(rows.GetString(0));
        }
        return values;
    }

    /// <summary>Every row the store inserts into or updates in <c>entities</c> from now on is logged in <c>written</c>.</summary>
    private void LogWrittenRows() => Sql("""
        CREATE TABLE written (seq INTEGER PRIMARY KEY, key TEXT, id TEXT);
        CREATE TRIGGER log_insert AFTER INSERT ON entities BEGIN INSERT INTO written (key, id) VALUES (NEW.key, NEW.id); END;
        CREATE TRIGGER log_update AFTER UPDATE ON entities BEGIN INSERT INTO written (key, id) VALUES (NEW.key, NEW.id); END;
        """);

    private List<string> TakeWritten()
    {
        var written = Column("SELECT key || '|' || id FROM written ORDER BY seq;");
        Sql("DELETE FROM written;");
        return written;
    }

    private static EntityMap Mailboxes(int count, int offset = 0) =>
        Build(Enumerable.Range(0, count).Select(i => ($"{1000 + i}@default", (Entry)Mailbox(offset + i, "pbx-1", i % 5, 1))));

    [Fact]
    public void A_store_writes_only_the_entities_that_changed_since_the_last_commit_of_its_key()
    {
        var store = StartAndLoad();
        LogWrittenRows();
        var map = Mailboxes(1_000);

        StoreAndExpectSuccess(store, "ap-mailbox-1", map);
        Assert.Equal(1_000, TakeWritten().Count);

        var changed = map.Put("1005@default", Mailbox(5_000, "pbx-2", 9, 9)).Put("new@default", Mailbox(5_000, "pbx-2", 1, 0)).ResetDelta();
        StoreAndExpectSuccess(store, "ap-mailbox-1", map.Merge(changed));
        Assert.Equal(["ap-mailbox-1|1005@default", "ap-mailbox-1|new@default"], TakeWritten().Order(StringComparer.Ordinal));

        StoreAndExpectSuccess(store, "ap-mailbox-1", map.Merge(changed));
        Assert.Empty(TakeWritten());
        // Other keys are their own business.
        StoreAndExpectSuccess(store, "ap-mailbox-2", Build([("x@y", Mailbox(1, "pbx-1", 1, 0))]));
        Assert.Equal(["ap-mailbox-2|x@y"], TakeWritten());
    }

    [Fact]
    public void A_store_of_a_map_received_whole_from_a_peer_writes_only_what_differs_from_the_committed_one()
    {
        var store = StartAndLoad();
        LogWrittenRows();
        var map = Mailboxes(500);
        StoreAndExpectSuccess(store, "ap-mailbox-1", map);
        TakeWritten();
        // A copy that shares no node with the committed map, as one deserialized from gossip.
        var remote = EntityMap.FromEntities(map.Put("peer@default", Mailbox(9_000, "pbx-3", 2, 0)).Entities);

        StoreAndExpectSuccess(store, "ap-mailbox-1", map.Merge(remote));

        Assert.Equal(["ap-mailbox-1|peer@default"], TakeWritten());
    }

    [Fact]
    public void Stored_entities_and_whole_values_are_loaded_back_after_a_restart()
    {
        var store = StartAndLoad(out var nothing);
        Assert.Empty(nothing);
        var mailboxes = Mailboxes(300);
        var presence = Build(PresenceEntries);
        var devices = Build(DeviceEntries);
        StoreAndExpectSuccess(store, "ap-mailbox-7", mailboxes);
        StoreAndExpectSuccess(store, "ap-presence-0", presence);
        StoreAndExpectSuccess(store, "ap-device-3", devices);
        StoreAndExpectSuccess(store, "other", Flag.True);
        Stop(store);

        StartAndLoad(out var loaded);

        Assert.Equal(4, loaded.Count);
        Assert.Equal(mailboxes, loaded["ap-mailbox-7"]);
        Assert.Equal(presence, loaded["ap-presence-0"]);
        Assert.Equal(devices, loaded["ap-device-3"]);
        Assert.Equal(Flag.True, loaded["other"]);
        Assert.Equal(mailboxes.Count + presence.Count + devices.Count, Column("SELECT id FROM entities;").Count);
        Assert.Equal(["other"], Column("SELECT key FROM ddata;"));
    }

    [Fact]
    public void A_failed_commit_writes_nothing_of_its_batch_replies_failure_and_the_next_stores_write_those_entities_again()
    {
        var store = StartAndLoad();
        var map = Mailboxes(20);
        StoreAndExpectSuccess(store, "ap-mailbox-1", map);
        Sql("CREATE TRIGGER poison BEFORE INSERT ON entities WHEN NEW.id = 'poison' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
        LogWrittenRows();
        var good = Build([("b@default", Mailbox(100, "pbx-1", 1, 0))]);
        var bad = map.Put("a@default", Mailbox(100, "pbx-1", 1, 0)).Put("poison", Mailbox(100, "pbx-1", 1, 0)).ResetDelta();

        // While the test holds the write lock, the store waits inside the probe, so both stores are
        // in its mailbox before it schedules a commit: they share one transaction, good key first.
        using (var blocker = Open())
        {
            using var begin = blocker.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE;";
            begin.ExecuteNonQuery();
            store.Tell(ProbeDurableStore.Instance, TestActor);
            store.Tell(StoreOf("ap-mailbox-2", good, TestActor));
            store.Tell(StoreOf("ap-mailbox-1", bad, TestActor));
            using var commit = blocker.CreateCommand();
            commit.CommandText = "COMMIT;";
            commit.ExecuteNonQuery();
        }
        Assert.True(ExpectMsg<DurableStoreProbed>(Timeout).Writable);
        ExpectMsg("failed ap-mailbox-2 ", Timeout);
        ExpectMsg("failed ap-mailbox-1 ", Timeout);
        Assert.Empty(Column("SELECT id FROM entities WHERE key = 'ap-mailbox-2';"));
        Assert.Equal(20, Column("SELECT id FROM entities WHERE key = 'ap-mailbox-1';").Count);
        Sql("DELETE FROM written;");

        Sql("DROP TRIGGER poison;");
        var goodNext = good.Put("d@default", Mailbox(200, "pbx-1", 1, 0)).ResetDelta();
        var badNext = bad.Put("c@default", Mailbox(200, "pbx-1", 1, 0)).ResetDelta();
        StoreAndExpectSuccess(store, "ap-mailbox-2", goodNext);
        StoreAndExpectSuccess(store, "ap-mailbox-1", badNext);

        Assert.Equal(
            ["ap-mailbox-1|a@default", "ap-mailbox-1|c@default", "ap-mailbox-1|poison", "ap-mailbox-2|b@default", "ap-mailbox-2|d@default"],
            TakeWritten().Order(StringComparer.Ordinal));
        Stop(store);
        StartAndLoad(out var loaded);
        Assert.Equal(goodNext, loaded["ap-mailbox-2"]);
        Assert.Equal(badNext, loaded["ap-mailbox-1"]);
    }

    [Fact]
    public void A_file_written_by_the_previous_version_loads_and_its_maps_move_to_entity_rows()
    {
        Sql("CREATE TABLE ddata (key TEXT PRIMARY KEY, manifest TEXT NOT NULL, data BLOB NOT NULL);");
        using (var connection = Open())
        {
            foreach (var (key, manifest, hex) in LegacyPayloads.OldStoreRows)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO ddata (key, manifest, data) VALUES ($key, $manifest, $data);";
                insert.Parameters.AddWithValue("$key", key);
                insert.Parameters.AddWithValue("$manifest", manifest);
                insert.Parameters.AddWithValue("$data", Convert.FromHexString(hex));
                insert.ExecuteNonQuery();
            }
        }

        var store = StartAndLoad(out var loaded);

        Assert.Equal(Build(MailboxEntries), loaded["ap-mailbox-3"]);
        Assert.Equal(Build(PresenceEntries), loaded["ap-presence-5"]);
        Assert.Equal(Flag.True, loaded["ap-flag"]);
        Assert.Equal(["ap-flag"], Column("SELECT key FROM ddata;"));
        Assert.Equal(
            MailboxEntries.Select(e => "ap-mailbox-3|" + e.Id).Concat(PresenceEntries.Select(e => "ap-presence-5|" + e.Id)).Order(StringComparer.Ordinal),
            Column("SELECT key || '|' || id FROM entities;").Order(StringComparer.Ordinal));

        // From now on a change writes its entity alone.
        LogWrittenRows();
        var changed = ((EntityMap)loaded["ap-mailbox-3"]).Put("1000@default", Mailbox(500, "pbx-2", 0, 0)).ResetDelta();
        StoreAndExpectSuccess(store, "ap-mailbox-3", changed);
        Assert.Equal(["ap-mailbox-3|1000@default"], TakeWritten());
        Stop(store);

        StartAndLoad(out var reloaded);
        Assert.Equal(changed, reloaded["ap-mailbox-3"]);
        Assert.Equal(Build(PresenceEntries), reloaded["ap-presence-5"]);
        Assert.Equal(Flag.True, reloaded["ap-flag"]);
    }

    [Fact]
    public void A_row_that_does_not_decode_fails_the_load()
    {
        var store = StartAndLoad();
        StoreAndExpectSuccess(store, "ap-mailbox-1", Mailboxes(3));
        Stop(store);
        Sql("UPDATE entities SET slot = x'0102' WHERE id = '1001@default';");

        EventFilter.Exception<LoadFailedException>().ExpectOne(() => StartStore().Tell(LoadAll.Instance, TestActor));
    }

    [Fact]
    public void The_health_probe_reports_a_writable_store_before_and_after_loading()
    {
        var store = StartStore();
        store.Tell(ProbeDurableStore.Instance, TestActor);
        Assert.True(ExpectMsg<DurableStoreProbed>(Timeout).Writable);
        Load(store);

        store.Tell(ProbeDurableStore.Instance, TestActor);

        var probed = ExpectMsg<DurableStoreProbed>(Timeout);
        Assert.True(probed.Writable);
        Assert.Equal(_path, probed.Path);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A store still closing; the temporary directory is left behind.
            }
        }
    }
}
