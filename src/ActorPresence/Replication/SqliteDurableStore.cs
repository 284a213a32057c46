using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Event;
using Akka.Serialization;
using Microsoft.Data.Sqlite;

namespace ActorPresence.Replication;

/// <summary>
/// Distributed data's durable store on SQLite (WAL journal, full sync), in place of the stock
/// LightningDB store that does not work with the packages served here (DESIGN.md §4). The
/// replicator sends <see cref="LoadAll"/> once at start and then one <see cref="Store"/> per
/// change of a durable key; a store is committed before its success is reported, so a write
/// acknowledged with <c>WriteLocal</c> is on disk.
/// </summary>
public sealed class SqliteDurableStore : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SerializerWithStringManifest _serializer;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsert;

    public SqliteDurableStore(Config durableConfig)
    {
        var path = durableConfig.GetString("sqlite.path", "");
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException("akka.cluster.distributed-data.durable.sqlite.path must name the store's file");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _serializer = (SerializerWithStringManifest)Context.System.Serialization.FindSerializerForType(typeof(DurableDataEnvelope));
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL;");
        Execute("PRAGMA synchronous = FULL;");
        Execute("CREATE TABLE IF NOT EXISTS ddata (key TEXT PRIMARY KEY, manifest TEXT NOT NULL, data BLOB NOT NULL);");
        _upsert = _connection.CreateCommand();
        _upsert.CommandText = "INSERT INTO ddata (key, manifest, data) VALUES ($key, $manifest, $data) " +
                              "ON CONFLICT(key) DO UPDATE SET manifest = excluded.manifest, data = excluded.data;";
        _log.Info("Durable distributed data in SQLite file [{0}]", Path.GetFullPath(path));

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
        Receive<Store>(store =>
        {
            try
            {
                _upsert.Parameters.Clear();
                _upsert.Parameters.AddWithValue("$key", store.Key);
                _upsert.Parameters.AddWithValue("$manifest", _serializer.Manifest(store.Data));
                _upsert.Parameters.AddWithValue("$data", _serializer.ToBinary(store.Data));
                _upsert.ExecuteNonQuery();
                store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
            }
            catch (SqliteException e)
            {
                _log.Error(e, "Failed to store durable key [{0}]", store.Key);
                store.Reply?.ReplyTo.Tell(store.Reply.FailureMessage);
            }
        });
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
