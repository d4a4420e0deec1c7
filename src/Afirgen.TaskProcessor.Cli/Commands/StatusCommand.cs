using System.CommandLine;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary><c>afirgen-tasks status ID</c>: a task's state and result, as <c>AsyncResult</c> would show it.</summary>
internal static class StatusCommand
{
    private static readonly HashSet<string> Terminal = ["SUCCESS", "FAILURE", "REVOKED"];

    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The task id enqueue printed." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the task has finished." };
        var timeout = new Option<double>("--timeout") { Description = "With --wait: give up after this many seconds.", DefaultValueFactory = _ => 300 };
        var api = CliOptions.Api();
        var json = CliOptions.Json();
        var command = new Command("status", "Show a task's state and result.") { id, wait, timeout, api, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = new ApiClient(parse.GetValue(api)!);
            if (parse.GetValue(wait))
            {
                return await WaitAndPrintAsync(client, parse.GetValue(id)!, parse.GetValue(json), TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
            }
            var (status, body) = await client.GetAsync($"api/tasks/{Uri.EscapeDataString(parse.GetValue(id)!)}", cancellationToken);
            return Print(status, body, parse.GetValue(json));
        });
        return command;
    }

    /// <summary>How long --wait waits for an id it has never seen to be enqueued before it says the id is unknown.</summary>
    private static readonly TimeSpan UnknownGrace = TimeSpan.FromSeconds(10);

    public static async Task<int> WaitAndPrintAsync(ApiClient client, string id, bool json, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var unknownUntil = (DateTimeOffset?)null;
        while (true)
        {
            var (status, body) = await client.GetAsync($"api/tasks/{Uri.EscapeDataString(id)}", cancellationToken);
            var state = body?["state"]?.GetValue<string>();
            if (status == 404)
            {
                // Said at once, and not waited on for the whole timeout: a task enqueued a moment ago elsewhere may still
                // appear, an id that was never enqueued (or whose result expired) will not.
                if (unknownUntil is null)
                {
                    unknownUntil = DateTimeOffset.UtcNow + UnknownGrace;
                    await Console.Error.WriteLineAsync($"afirgen-tasks: no task {id} is known yet (never enqueued here, or its result expired); --wait waits for a known task to finish, so it gives this one {UnknownGrace.TotalSeconds:0} s to appear.");
                }
                if (DateTimeOffset.UtcNow >= unknownUntil)
                {
                    return Print(status, body, json);
                }
            }
            else if (status != 200 || state is not null && Terminal.Contains(state) || DateTimeOffset.UtcNow >= deadline)
            {
                return Print(status, body, json);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    private static int Print(int status, JsonNode? body, bool json)
    {
        if (status == 404)
        {
            throw new CliException(ApiClient.Describe(body), 1);
        }
        if (status != 200)
        {
            throw ApiClient.Refused("The task's state could not be read", status, body);
        }
        if (json)
        {
            Console.WriteLine(ApiClient.Show(body));
        }
        else
        {
            Console.WriteLine($"{body!["id"]}  {body["state"]}");
            if (body["result"] is { } result) Console.WriteLine($"result: {ApiClient.Show(result)}");
            if (body["dateDone"] is { } done) Console.WriteLine($"done:   {done}");
        }
        return body!["state"]?.GetValue<string>() == "FAILURE" ? 3 : 0;
    }
}
