import com.adobe.epubcheck.tool.EpubChecker;

/**
 * EPUBCheck over several EPUBs in one Java process (its command line takes one file), so the
 * start-up and schema loading, most of the time for a small book, are paid once.
 * Arguments: pairs of (EPUB, path of its JSON report). Run by qtconvert/verify/epub_tools.py as
 * `java -cp epubcheck.jar EpubCheckMany.java ...` (a JDK's single-file source launcher).
 */
public class EpubCheckMany {
    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            new EpubChecker().run(new String[] {args[i], "--json", args[i + 1], "-q"});
        }
    }
}
