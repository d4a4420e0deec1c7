using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Monitoring;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.RedisBroker.Broadcast;

namespace Afirgen.TaskProcessor.RedisBroker.RemoteControl;

/// <summary>Celery's <c>stats</c>: this worker's counters, pool, broker and resource use.</summary>
internal sealed class WorkerStatsInspection(
    WorkerIdentity worker, TaskMonitor monitor, LamportClock clock, TimeProvider time, BrokerDescription broker, PoolDescription pool)
{
    public JsonNode Stats()
    {
        var total = new JsonObject();
        foreach (var (name, counters) in monitor.Counters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            total[name] = counters.Received;
        }
        using var process = Process.GetCurrentProcess();
        return new JsonObject
        {
            ["total"] = total,
            ["pid"] = worker.ProcessId,
            ["clock"] = clock.Value.ToString(CultureInfo.InvariantCulture),
            ["uptime"] = (long)Math.Round((time.GetUtcNow() - worker.StartedAt).TotalSeconds),
            ["pool"] = pool.PoolInfo(worker.ProcessId),
            ["broker"] = broker.ConnectionInfo(),
            ["prefetch_count"] = pool.PrefetchCount,
            ["rusage"] = new JsonObject
            {
                ["utime"] = process.UserProcessorTime.TotalSeconds,
                ["stime"] = process.PrivilegedProcessorTime.TotalSeconds,
                ["maxrss"] = process.PeakWorkingSet64 / 1024,
            },
        };
    }
}
