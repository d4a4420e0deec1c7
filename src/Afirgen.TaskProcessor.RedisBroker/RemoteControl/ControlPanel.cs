using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Broker;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>
/// Celery's command table (its <c>Panel</c>): every inspect and control command a Celery 5.2 worker answers, under its
/// names and aliases, dispatched to the class of its concept: inspect's <see cref="TaskInspection"/>,
/// <see cref="RegisteredTaskInspection"/>, <see cref="MingleInspection"/>, <see cref="WorkerStatsInspection"/> and
/// <see cref="WorkerConfInspection"/>; control's <see cref="TaskControlCommands"/> and <see cref="WorkerControlCommands"/>. A command that
/// fails answers <c>{"error": "&lt;repr of the exception&gt;"}</c> and an unknown one <c>{"error": "KeyError('name')"}</c>,
/// as kombu's pidbox answers them, never silence.
/// </summary>
internal sealed class ControlPanel(
    TaskInspection tasks, RegisteredTaskInspection registered, MingleInspection mingle, WorkerStatsInspection stats,
    WorkerConfInspection conf, TaskControlCommands taskControl, WorkerControlCommands workerControl)
{
    /// <summary>What to answer: <see cref="Reply"/>, unless <see cref="Send"/> is false (a shutdown, as in Celery).</summary>
    public readonly record struct Result(JsonNode? Reply, bool Send = true);

    private static readonly HashSet<string> PythonOnly = new(StringComparer.Ordinal) { "objgraph", "memsample", "memdump" };

    /// <summary>Runs <paramref name="method"/> with <paramref name="arguments"/>; never throws for what the command does.</summary>
    public async Task<Result> DispatchAsync(string method, JsonObject arguments, CancellationToken cancellationToken)
    {
        var args = new ControlArguments(method, arguments);
        try
        {
            return method switch
            {
                "ping" => new(MingleInspection.Ping()),
                "clock" => new(mingle.Clock()),
                "active" or "dump_active" => new(tasks.Active()),
                "reserved" or "dump_reserved" => new(tasks.Reserved()),
                "scheduled" or "dump_schedule" => new(await tasks.ScheduledAsync().ConfigureAwait(false)),
                "registered" or "dump_tasks" => new(registered.Registered(args.Strings("taskinfoitems"))),
                "stats" => new(stats.Stats()),
                "active_queues" => new(conf.ActiveQueues()),
                "revoked" or "dump_revoked" => new(mingle.Revoked()),
                "conf" or "dump_conf" => new(conf.Conf()),
                "report" => new(conf.Report()),
                "query_task" => new(tasks.QueryTask(args.Strings("ids"))),
                "hello" => new(mingle.Hello(args.String("from_node"))),
                "revoke" => new(await taskControl.RevokeAsync(args, args.Bool("terminate"), cancellationToken).ConfigureAwait(false)),
                "terminate" => new(await taskControl.RevokeAsync(args, terminate: true, cancellationToken).ConfigureAwait(false)),
                "rate_limit" => new(taskControl.RateLimit(args)),
                "time_limit" => new(taskControl.TimeLimit(args)),
                "add_consumer" => new(workerControl.AddConsumer(args)),
                "cancel_consumer" => new(workerControl.CancelConsumer(args)),
                "pool_grow" => new(workerControl.PoolGrow(args)),
                "pool_shrink" => new(workerControl.PoolShrink(args)),
                "autoscale" => new(workerControl.Autoscale(args)),
                "enable_events" => new(workerControl.EnableEvents()),
                "disable_events" => new(workerControl.DisableEvents()),
                "heartbeat" => new(await workerControl.HeartbeatAsync(cancellationToken).ConfigureAwait(false)),
                "shutdown" => Shutdown(args),
                // Gossip's leader election: this worker takes no part (no gossip), as a Celery worker without gossip.
                "election" => new(null),
                // What a Celery worker without worker_pool_restarts answers.
                "pool_restart" => throw new ControlCommandException("ValueError", "Pool restarts not enabled"),
                _ when PythonOnly.Contains(method) => throw new ControlCommandException("NotImplementedError",
                    $"{method} inspects a Python worker's memory; this worker is .NET: see stats (rusage) or its /metrics."),
                _ => throw new ControlCommandException("KeyError", method),
            };
        }
        catch (ControlCommandException ex)
        {
            return new(Error(ex.PythonType, ex.Message));
        }
        catch (ResultStoreUnavailableException ex)
        {
            return new(Error("ConnectionError", ex.Message));
        }
        catch (BrokerUnavailableException ex)
        {
            return new(Error("ConnectionError", ex.Message));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new(Error("RuntimeError", $"{ex.GetType().Name}: {ex.Message}"));
        }
    }

    private Result Shutdown(ControlArguments args)
    {
        var reply = workerControl.Shutdown(args, out var send);
        return new(reply, send);
    }

    private static JsonObject Error(string pythonType, string message) =>
        new() { ["error"] = PythonRepr.OfException(pythonType, [JsonValue.Create(message)]) };
}
