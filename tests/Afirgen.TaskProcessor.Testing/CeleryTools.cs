using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// Runs the scripts in tools/celery with Debian's python3-celery: real Celery producing messages and
/// reading results, for interop tests.
/// </summary>
public static class CeleryTools
{
    private const string Python = "/usr/bin/python3";

    /// <summary>The envelope real Celery writes for a task (see tools/celery/celery_envelope.py for the arguments).</summary>
    public static async Task<byte[]> EnvelopeAsync(RedisServer redis, params string[] arguments)
    {
        var (code, stdout, stderr) = await RunAsync("celery_envelope.py", ["--redis", redis.Url(1), .. arguments], TimeSpan.FromSeconds(60));
        if (code != 0)
        {
            throw new InvalidOperationException($"celery_envelope.py exited {code}: {stderr}");
        }
        return System.Text.Encoding.UTF8.GetBytes(stdout.Trim());
    }

    /// <summary>Reads a result as AFIRGen does, with <c>AsyncResult(id).get()</c>.</summary>
    public static async Task<JsonObject> ResultAsync(RedisServer redis, int database, string taskId, TimeSpan timeout)
    {
        var (code, stdout, stderr) = await RunAsync("celery_result.py",
            ["--backend", redis.Url(database), "--id", taskId, "--timeout", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString()], timeout + TimeSpan.FromSeconds(30));
        if (code is not (0 or 3))
        {
            throw new InvalidOperationException($"celery_result.py exited {code}: {stderr}");
        }
        return JsonNode.Parse(stdout.Trim())!.AsObject();
    }

    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException("Debian's python3 is missing: run the README's test command, or apt-get install -y python3-celery python3-redis.");
        }
        var start = new ProcessStartInfo(Python);
        start.ArgumentList.Add(System.IO.Path.Combine(RepositoryRoot.Path, "tools", "celery", script));
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        var run = await ChildProcess.RunAsync(start, timeout);
        if (run.TimedOut)
        {
            throw new TimeoutException($"{script} did not finish within {timeout}.");
        }
        return (run.ExitCode, run.StdOut, run.StdErr);
    }
}
