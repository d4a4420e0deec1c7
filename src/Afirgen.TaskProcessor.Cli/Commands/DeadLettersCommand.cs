using System.CommandLine;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary><c>afirgen-tasks dead-letters list | replay | purge</c>: the dead-letter queues, through the API.</summary>
internal static class DeadLettersCommand
{
    public static Command Create()
    {
        var command = new Command("dead-letters", "List, replay or purge dead-lettered messages.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Change("replay", "Send dead letters back to their queue with retries reset (all of them unless filtered).", "replayed", all: null));
        var all = new Option<bool>("--all") { Description = "With no filter: really purge every dead letter (of --queue, or of every queue)." };
        command.Subcommands.Add(Change("purge", "Delete dead letters (a filter, or --all).", "purged", all));
        return command;
    }

    private static Command List()
    {
        var (queue, taskName, taskId, reason) = Filters();
        var lane = Lane();
        var limit = new Option<int>("--limit") { Description = "At most this many.", DefaultValueFactory = _ => 100 };
        var api = CliOptions.Api();
        var json = CliOptions.Json();
        var command = new Command("list", "List dead-lettered messages: queue, task, reason, description, deliveries.") { queue, lane, taskName, taskId, reason, limit, api, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var query = new List<string> { $"limit={parse.GetValue(limit)}" };
            void Add(string key, string? value) { if (!string.IsNullOrWhiteSpace(value)) query.Add($"{key}={Uri.EscapeDataString(value)}"); }
            Add("queue", parse.GetValue(queue));
            Add("lane", parse.GetValue(lane));
            Add("taskName", parse.GetValue(taskName));
            Add("taskId", parse.GetValue(taskId));
            Add("reason", parse.GetValue(reason));
            using var client = new ApiClient(parse.GetValue(api)!);
            var (status, body) = await client.GetAsync("api/dead-letters?" + string.Join('&', query), cancellationToken);
            if (status != 200)
            {
                throw ApiClient.Refused("The dead letters could not be listed", status, body);
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(ApiClient.Show(body));
                return 0;
            }
            Table.Print(Console.Out, ["queue", "task id", "task", "reason", "deliveries", "dead-lettered", "message id", "description"],
                body!.AsArray().Select(d => new[]
                {
                    InspectCommand.S(d, "queue"), InspectCommand.S(d, "taskId"), InspectCommand.S(d, "taskName"), InspectCommand.S(d, "reason"),
                    InspectCommand.S(d, "deliveryCount"), InspectCommand.S(d, "deadLetteredAt"), InspectCommand.S(d, "messageId"), InspectCommand.S(d, "description"),
                }));
            return 0;
        });
        return command;
    }

    private static Command Change(string name, string description, string counted, Option<bool>? all)
    {
        var (queue, taskName, taskId, reason) = Filters();
        var lane = Lane();
        var messageIds = new Option<string[]>("--message-id") { Description = "Only these message ids (repeat the option).", AllowMultipleArgumentsPerToken = true };
        var api = CliOptions.Api();
        var json = CliOptions.Json();
        var command = new Command(name, description) { queue, lane, taskName, taskId, reason, messageIds, api, json };
        if (all is not null) command.Options.Add(all);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var body = new JsonObject();
            if (parse.GetValue(queue) is { } q) body["queue"] = q;
            if (parse.GetValue(lane) is { } l) body["lane"] = l;
            if (parse.GetValue(taskName) is { } n) body["taskName"] = n;
            if (parse.GetValue(taskId) is { } t) body["taskId"] = t;
            if (parse.GetValue(reason) is { } r) body["reason"] = r;
            if (parse.GetValue(messageIds) is { Length: > 0 } ids) body["messageIds"] = new JsonArray(ids.Select(i => (JsonNode?)i).ToArray());
            if (all is not null && parse.GetValue(all)) body["all"] = true;
            using var client = new ApiClient(parse.GetValue(api)!);
            var (status, answer) = await client.PostAsync($"api/dead-letters/{name}", body, cancellationToken);
            if (status != 200)
            {
                throw ApiClient.Refused($"Nothing was {counted}", status, answer);
            }
            var count = answer![counted]!.GetValue<int>();
            Console.WriteLine(parse.GetValue(json) ? ApiClient.Show(answer) : $"{char.ToUpperInvariant(counted[0])}{counted[1..]} {count} dead-lettered message(s).");
            return 0;
        });
        return command;
    }

    private static Option<string?> Lane() =>
        new("--lane") { Description = "With --queue, on Service Bus: only this lane (high), or base for the queue's own Service Bus queue without its lanes." };

    private static (Option<string?> Queue, Option<string?> TaskName, Option<string?> TaskId, Option<string?> Reason) Filters() => (
        new Option<string?>("--queue", "-q") { Description = "Only this queue's dead letters (default: every queue); on Service Bus a lane's queue (reports-high) takes that lane only." },
        new Option<string?>("--task-name") { Description = "Only dead letters of this task name." },
        new Option<string?>("--task-id") { Description = "Only dead letters of this task id." },
        new Option<string?>("--reason") { Description = "Only dead letters with this reason (e.g. TaskFailed, MaxRetriesExceeded)." });
}
