namespace Afirgen.TaskProcessor.Testing;

/// <summary>
/// The message and result samples Celery 5.2.6 produced (copied from shared/celery-wire, unchanged),
/// shipped with the tests so they run from any clone.
/// </summary>
public static class WireSamples
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "CeleryWire");

    public static byte[] Read(string fileName) => File.ReadAllBytes(Path.Combine(Directory, fileName));
}
