namespace Afirgen.TaskProcessor.RedisBroker.Scripts;

/// <summary>
/// The Lua scripts that make each broker step atomic on the server (pop and record, settle, restore, send).
/// They live as .lua files beside this class; each is prefixed with <c>common.lua</c>.
/// StackExchange.Redis sends them by SHA after the first call.
/// </summary>
internal static class KombuScripts
{
    public static readonly string Receive = Load("receive.lua");
    public static readonly string Settle = Load("settle.lua");
    public static readonly string Restore = Load("restore.lua");
    public static readonly string Send = Load("send.lua");
    public static readonly string Statistics = Load("statistics.lua");
    public static readonly string Replay = Load("replay.lua");

    private static string Load(string name) => Read("common.lua") + "\n" + Read(name);

    private static string Read(string name)
    {
        using var stream = typeof(KombuScripts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The script {name} is missing from {typeof(KombuScripts).Assembly.GetName().Name}; rebuild the project.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
