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

    public static async Task<int> WaitAndPrintAsync(ApiClient client, string id, bool json, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await client.GetAsync($"api/tasks/{Uri.EscapeDataString(id)}", cancellationToken);
            var state = body?["state"]?.GetValue<string>();
            if (status != 200 && status != 404 || state is not null && Terminal.Contains(state) || DateTimeOffset.UtcNow >= deadline)
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
            throw new CliException($"The API answered {status}: {ApiClient.Describe(body)}", 2);
        }
        if (json)
        {
            Console.WriteLine(body!.ToJsonString());
        }
        else
        {
            Console.WriteLine($"{body!["id"]}  {body["state"]}");
            if (body["result"] is { } result) Console.WriteLine($"result: {result.ToJsonString()}");
            if (body["dateDone"] is { } done) Console.WriteLine($"done:   {done}");
        }
        return body!["state"]?.GetValue<string>() == "FAILURE" ? 3 : 0;
    }
}
