using System.Globalization;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Reports;

/// <summary>One page rendered in greyscale (pdftoppm's PGM), read in points.</summary>
public sealed class GrayPage(int width, int height, byte[] pixels)
{
    public int Width => width;
    public int Height => height;

    public static GrayPage Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        // Binary PGM: "P5", width, height, maximum value, each followed by whitespace, then one byte per pixel.
        var fields = new List<int>();
        var i = 2;
        while (fields.Count < 3)
        {
            while (char.IsWhiteSpace((char)bytes[i])) i++;
            var start = i;
            while (!char.IsWhiteSpace((char)bytes[i])) i++;
            fields.Add(int.Parse(System.Text.Encoding.ASCII.GetString(bytes, start, i - start), CultureInfo.InvariantCulture));
        }
        i++;
        return new GrayPage(fields[0], fields[1], bytes[i..]);
    }

    private static int Px(double points) => (int)Math.Round(points * RenderedPdf.Dpi / 72.0);

    /// <summary>How many pixels in the box (points) are ink: darker than mid-grey.</summary>
    public int Ink(double x0, double y0, double x1, double y1)
    {
        var count = 0;
        for (var y = Math.Max(0, Px(y0)); y < Math.Min(height, Px(y1)); y++)
        {
            for (var x = Math.Max(0, Px(x0)); x < Math.Min(width, Px(x1)); x++)
            {
                if (pixels[y * width + x] < 128) count++;
            }
        }
        return count;
    }

    /// <summary>The longest unbroken horizontal run of ink in the box, in points: a ruled line shows as a long one, text does not.</summary>
    public double LongestHorizontalLine(double x0, double y0, double x1, double y1)
    {
        var longest = 0;
        for (var y = Math.Max(0, Px(y0)); y < Math.Min(height, Px(y1)); y++)
        {
            var run = 0;
            for (var x = Math.Max(0, Px(x0)); x < Math.Min(width, Px(x1)); x++)
            {
                run = pixels[y * width + x] < 160 ? run + 1 : 0;
                longest = Math.Max(longest, run);
            }
        }
        return longest * 72.0 / RenderedPdf.Dpi;
    }
}
