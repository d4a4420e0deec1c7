using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>Demo-mode log events (5000–5099): said once at start-up, loudly, so nobody mistakes the demo for the real thing.</summary>
internal static partial class DemoLog
{
    [LoggerMessage(5000, LogLevel.Warning, "AFIRGen demo data source: no Afirgen:Database:ConnectionString, so the tasks read {Count} invented sample FIRs ({First} to {Last}) from memory. Development only.")]
    public static partial void DemoDatabase(ILogger logger, int count, string first, string last);

    [LoggerMessage(5001, LogLevel.Warning, "AFIRGen demo mail: no Afirgen:Smtp:Host, so mail is written as .eml files to {Folder}. Development only.")]
    public static partial void DemoMail(ILogger logger, string folder);

    [LoggerMessage(5002, LogLevel.Warning, "AFIRGen demo storage: no Afirgen:Storage:ConnectionString or ServiceUri, so reports and archives are written as files under {Folder}. Development only.")]
    public static partial void DemoStorage(ILogger logger, string folder);
}
