using System.Collections.Immutable;
using ActorPresence.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Event;
using Akka.Serialization;
using Microsoft.Data.Sqlite;

namespace ActorPresence.Replication;

/// <summary>
/// Distributed data's durable store on SQLite (WAL journal, synchronous = NORMAL), in place of the stock
/// LightningDB store that does not work with the packages served here (DESIGN.md §4). The
/// replicator sends <see cref="LoadAll"/> once at start and then one <see cref="Store"/> per
/// change of a durable key; a store is committed before its success is reported, so a write
/// acknowledged with <c>WriteLocal</c> is on disk. Stores that queue up during a commit share the
/// next transaction (group commit), so a busy node pays one disk sync per batch, not per change.
/// </summary>
public sealed class SqliteDurableStore : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SerializerWithStringManifest _serializer;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsert;
    private readonly string _path;
    private readonly List<Store> _pending = [];
    private bool _commitScheduled;

    public SqliteDurableStore(Config durableConfig)
    {
        // Akka hands the store its durable section; ActorPresenceConfig.Build puts actorpresence.durable.path there.
        var path = durableConfig.GetString("sqlite.path");
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException("akka.cluster.distributed-data.durable.sqlite.path (from actorpresence.durable.path) must name the store's file");
        }
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _serializer = (SerializerWithStringManifest)Context.System.Serialization.FindSerializerForType(typeof(DurableDataEnvelope));
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL;");
        // In WAL mode, NORMAL keeps every committed transaction through a crash or SIGKILL of the
        // process (what ActorPresence promises); only a power loss may undo the last ones. FULL
        // would add a disk sync to every commit.
        Execute("PRAGMA synchronous = NORMAL;");
        Execute("CREATE TABLE IF NOT EXISTS ddata (key TEXT PRIMARY KEY, manifest TEXT NOT NULL, data BLOB NOT NULL);");
        // Written by health probes only; distributed data never reads it.
        Execute("CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, probed_at TEXT NOT NULL);");
        _upsert = _connection.CreateCommand();
        _upsert.CommandText = "INSERT INTO ddata (key, manifest, data) VALUES ($key, $manifest, $data) " +
                              "ON CONFLICT(key) DO UPDATE SET manifest = excluded.manifest, data = excluded.data;";
        _log.Info("Durable distributed data in SQLite file [{0}]", Path.GetFullPath(path));

        Receive<ProbeDurableStore>(_ => Sender.Tell(Probe()));
        Receive<LoadAll>(_ =>
        {
            var data = ImmutableDictionary.CreateBuilder<string, DurableDataEnvelope>();
            try
            {
                using var read = _connection.CreateCommand();
                read.CommandText = "SELECT key, manifest, data FROM ddata;";
                using var rows = read.ExecuteReader();
                while (rows.Read())
                {
                    data[rows.GetString(0)] = (DurableDataEnvelope)_serializer.FromBinary((byte[])rows[2], rows.GetString(1));
                }
            }
            catch (Exception e) when (e is SqliteException or System.Runtime.Serialization.SerializationException)
            {
                throw new LoadFailedException($"cannot load durable data from [{path}]", e);
            }
            if (data.Count > 0)
            {
                Sender.Tell(new LoadData(data.ToImmutable()));
            }
            Sender.Tell(LoadAllCompleted.Instance);
            _log.Info("Loaded {0} durable key(s)", data.Count);
            Become(Active);
        });
    }

    private void Active()
    {
        // Group commit: stores that arrive while one commit runs go into the next transaction
        // together, and each is acknowledged only after its transaction has committed.
        Receive<Store>(store =>
        {
            _pending.Add(store);
            if (!_commitScheduled)
            {
                _commitScheduled = true;
                Self.Tell(Commit.Instance);
            }
        });
        Receive<Commit>(_ => CommitPending());
        Receive<ProbeDurableStore>(_ => Sender.Tell(Probe()));
    }

    /// <summary>
    /// Whether the store can still keep what it is given: its file is where it was opened (a file
    /// deleted under an open connection takes writes that a restart would not find) and a small
    /// write to a table of its own commits. Answered between commits, so it never contends with them.
    /// </summary>
    private DurableStoreProbed Probe()
    {
        if (!File.Exists(_path))
        {
            return new DurableStoreProbed(false, _path, $"the store file [{_path}] no longer exists");
        }
        try
        {
            using var write = _connection.CreateCommand();
            write.CommandText = "INSERT INTO health_probe (id, probed_at) VALUES (1, $at) ON CONFLICT(id) DO UPDATE SET probed_at = excluded.probed_at;";
            write.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            write.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            return new DurableStoreProbed(false, _path, $"a write to [{_path}] failed: {e.Message}");
        }
        return new DurableStoreProbed(true, _path, "writable");
    }

    private void CommitPending()
    {
        _commitScheduled = false;
        var batch = _pending.ToList();
        _pending.Clear();
        try
        {
            using var transaction = _connection.BeginTransaction();
            _upsert.Transaction = transaction;
            // A store carries the whole value of its key, so only the newest one per key is written.
            var newestPerKey = new Dictionary<string, Store>(StringComparer.Ordinal);
            foreach (var store in batch)
            {
                newestPerKey[store.Key] = store;
            }
            foreach (var store in newestPerKey.Values)
            {
                _upsert.Parameters.Clear();
                _upsert.Parameters.AddWithValue("$key", store.Key);
                _upsert.Parameters.AddWithValue("$manifest", _serializer.Manifest(store.Data));
                _upsert.Parameters.AddWithValue("$data", _serializer.ToBinary(store.Data));
                _upsert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        catch (SqliteException e)
        {
            _log.Error(e, "Failed to store {0} durable key(s)", batch.Count);
            foreach (var store in batch)
            {
                store.Reply?.ReplyTo.Tell(store.Reply.FailureMessage);
            }
            return;
        }
        finally
        {
            _upsert.Transaction = null;
        }
        foreach (var store in batch)
        {
            store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
        }
    }

    private sealed class Commit
    {
        public static readonly Commit Instance = new();
    }

    protected override void PostStop()
    {
        _upsert.Dispose();
        _connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
