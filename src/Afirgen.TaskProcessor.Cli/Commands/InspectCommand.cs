using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary>
/// <c>afirgen-tasks inspect active | registered | stats | active_queues | scheduled | reserved</c>: what
/// <c>celery inspect</c> answered, for every instance sharing the Redis, read from the API.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var command = new Command("inspect", "Ask the running workers what they do (Celery's `celery inspect`).");
        Add(command, "active", "Tasks running now, per worker (and lost ones of workers that died).", PrintActive);
        Add(command, "registered", "Tasks each worker can run, with their options.", PrintRegistered);
        Add(command, "stats", "Per worker: identity, capacity, queues and counters.", PrintStats);
        Add(command, "active_queues", "Per queue: its consumers and what it holds.", PrintQueues);
        Add(command, "scheduled", "Tasks due later (ETA, countdown, retry back-off), per queue.", PrintScheduled);
        Add(command, "reserved", "Messages each worker holds and has not started.", PrintReserved);
        return command;
    }

    private static void Add(Command parent, string name, string description, Action<JsonNode, TextWriter> print)
    {
        var api = CliOptions.Api();
        var json = CliOptions.Json();
        var command = new Command(name, description) { api, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = new ApiClient(parse.GetValue(api)!);
            var (status, body) = await client.GetAsync($"api/inspect/{name}", cancellationToken);
            if (status != 200)
            {
                throw ApiClient.Refused("The workers could not be asked", status, body);
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(ApiClient.Show(body));
            }
            else
            {
                print(body!, Console.Out);
            }
            return 0;
        });
        parent.Subcommands.Add(command);
    }

    internal static void PrintActive(JsonNode body, TextWriter output)
    {
        var workers = body.AsObject();
        if (workers.Count == 0)
        {
            output.WriteLine("No worker is running (no heartbeat within the expiry). Start one with `afirgen-tasks run`.");
            return;
        }
        foreach (var (worker, tasks) in workers)
        {
            output.WriteLine($"-> {worker}: {tasks!.AsArray().Count} active");
            Table.Print(output, ["id", "name", "queue", "priority", "retries", "deliveries", "started", "state"],
                tasks.AsArray().Select(t => new[]
                {
                    S(t, "id"), S(t, "name"), S(t, "queue"), S(t, "priority"), S(t, "retries"), S(t, "deliveryCount"), Time(t, "startedAt"), S(t, "state"),
                }), indent: "   ");
        }
    }

    internal static void PrintRegistered(JsonNode body, TextWriter output)
    {
        foreach (var (worker, tasks) in body.AsObject())
        {
            output.WriteLine($"-> {worker}: {tasks!.AsArray().Count} registered");
            Table.Print(output, ["name", "max retries", "soft limit s", "hard limit s", "priority", "description"],
                tasks.AsArray().Select(t => new[] { S(t, "name"), S(t, "maxRetries"), S(t, "softTimeLimit"), S(t, "hardTimeLimit"), S(t, "priority"), S(t, "description") }),
                indent: "   ");
        }
        if (body.AsObject().Count == 0) output.WriteLine("No worker is running.");
    }

    internal static void PrintStats(JsonNode body, TextWriter output)
    {
        foreach (var (worker, s) in body.AsObject())
        {
            output.WriteLine($"-> {worker}");
            output.WriteLine($"   pid {S(s, "pid")} on {S(s, "hostname")}, version {S(s, "version")}, up {S(s, "uptimeSeconds")} s, last heartbeat {Time(s, "heartbeatAt")}");
            output.WriteLine($"   concurrency {S(s, "concurrency")}, prefetch {S(s, "prefetchCount")}, queues {string.Join(", ", s!["queues"]!.AsArray().Select(q => q!.GetValue<string>()))}");
            output.WriteLine($"   active {S(s, "active")}, reserved {S(s, "reserved")}");
            Table.Print(output, ["task", "received", "succeeded", "failed", "retried", "dead-lettered", "revoked"],
                s["counters"]!.AsObject().Select(c => new[] { c.Key, S(c.Value, "received"), S(c.Value, "succeeded"), S(c.Value, "failed"), S(c.Value, "retried"), S(c.Value, "deadLettered"), S(c.Value, "revoked") }),
                indent: "   ");
        }
        if (body.AsObject().Count == 0) output.WriteLine("No worker is running.");
    }

    internal static void PrintQueues(JsonNode body, TextWriter output) =>
        Table.Print(output, ["queue", "default priority", "waiting", "scheduled", "in flight", "dead-lettered", "consumers"],
            body.AsArray().SelectMany(q => new[]
            {
                new[]
                {
                    S(q, "name"), S(q, "defaultPriority"), S(q, "waiting"), S(q, "scheduled"), S(q, "inFlight"), S(q, "deadLettered"),
                    q!["consumers"]!.AsArray().Count == 0 ? "none" : string.Join(", ", q["consumers"]!.AsArray().Select(c => c!.GetValue<string>())),
                },
            }.Concat((q["lanes"]?.AsArray() ?? []).Select(l => new[]
            {
                // A lane's row, indented under its queue: its broker queue, lane and priority band.
                $"  {S(l, "name")} ({S(l, "lane")} {S(l, "minPriority")}-{S(l, "maxPriority")})", "", S(l, "waiting"), S(l, "scheduled"), S(l, "inFlight"), S(l, "deadLettered"), "",
            }))));

    internal static void PrintScheduled(JsonNode body, TextWriter output)
    {
        foreach (var queue in body.AsArray())
        {
            output.WriteLine($"-> {S(queue, "queue")}: {S(queue, "scheduled")} scheduled");
            Table.Print(output, ["id", "name", "eta", "state", "retries", "priority"],
                queue!["tasks"]!.AsArray().Select(t => new[] { S(t, "id"), S(t, "name"), S(t, "eta"), S(t, "state"), S(t, "retries"), S(t, "priority") }),
                indent: "   ");
        }
    }

    internal static void PrintReserved(JsonNode body, TextWriter output)
    {
        foreach (var (worker, messages) in body.AsObject())
        {
            output.WriteLine($"-> {worker}: {messages!.AsArray().Count} reserved");
            Table.Print(output, ["message id", "queue", "received"],
                messages.AsArray().Select(m => new[] { S(m, "messageId"), S(m, "queue"), Time(m, "receivedAt") }), indent: "   ");
        }
        if (body.AsObject().Count == 0) output.WriteLine("No worker is running.");
    }

    internal static string S(JsonNode? node, string key) => node?[key] switch
    {
        null => "",
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => ApiClient.Show(other),
    };

    private static string Time(JsonNode? node, string key) =>
        DateTimeOffset.TryParse(S(node, key), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "Z"
            : S(node, key);
}

/// <summary>Prints rows as an aligned text table.</summary>
internal static class Table
{
    public static void Print(TextWriter output, IReadOnlyList<string> headers, IEnumerable<string[]> rows, string indent = "")
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            output.WriteLine(indent + "(none)");
            return;
        }
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        output.WriteLine(indent + string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in all)
        {
            output.WriteLine(indent + string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
