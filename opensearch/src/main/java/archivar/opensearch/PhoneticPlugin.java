package archivar.opensearch;

import java.util.Locale;
import java.util.Map;

import org.apache.commons.codec.Encoder;
import org.apache.commons.codec.EncoderException;
import org.apache.commons.codec.StringEncoder;
import org.apache.commons.codec.language.Caverphone1;
import org.apache.commons.codec.language.Caverphone2;
import org.apache.commons.codec.language.ColognePhonetic;
import org.apache.commons.codec.language.Metaphone;
import org.apache.commons.codec.language.Nysiis;
import org.apache.commons.codec.language.RefinedSoundex;
import org.apache.commons.codec.language.Soundex;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.phonetic.DoubleMetaphoneFilter;
import org.apache.lucene.analysis.phonetic.PhoneticFilter;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.analysis.AbstractTokenFilterFactory;
import org.opensearch.index.analysis.TokenFilterFactory;
import org.opensearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.Plugin;

/**
 * A {@code phonetic} token filter with the settings of OpenSearch's analysis-phonetic plugin
 * ({@code encoder}, {@code replace}; {@code max_code_len} for {@code double_metaphone}), so that
 * an index template written for a production cluster with that plugin works here unchanged.
 * Maven Central serves that plugin only for OpenSearch 3 (Java 21), so this node brings its own,
 * built on Lucene's PhoneticFilter and commons-codec's encoders.
 *
 * <p>{@code cologne} is commons-codec's {@link ColognePhonetic} (Kölner Phonetik as Postel
 * defined it), as in the real plugin. The real plugin's {@code koelnerphonetik} is a variant of
 * its own that also merges equal digits that meet once the zeros are dropped
 * ({@code abgegeben}: 014416 becomes 01416); here it is {@link ColognePhonetic} followed by that
 * merge, which gives the real plugin's code for 97.9 % of the 74,142 alphabetic words of
 * shared/eval (the rest differ around "ch" after s or z). {@code beider_morse},
 * {@code daitch_mokotoff} and {@code haasephonetik} are not offered: an index that names them is
 * refused, not silently changed.
 */
public final class PhoneticPlugin extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of("phonetic", PhoneticFilterFactory::new);
    }

    /** Kölner Phonetik, then equal neighbouring digits merged into one. */
    static final class MergedCologne implements StringEncoder {
        private final ColognePhonetic cologne = new ColognePhonetic();

        @Override
        public String encode(String text) {
            String code = cologne.encode(text);
            StringBuilder merged = new StringBuilder(code.length());
            for (int i = 0; i < code.length(); i++) {
                char c = code.charAt(i);
                if (merged.length() == 0 || merged.charAt(merged.length() - 1) != c) {
                    merged.append(c);
                }
            }
            return merged.toString();
        }

        @Override
        public Object encode(Object value) throws EncoderException {
            if (!(value instanceof String)) {
                throw new EncoderException("koelnerphonetik encodes strings, not " + value);
            }
            return encode((String) value);
        }
    }

    static final class PhoneticFilterFactory extends AbstractTokenFilterFactory {
        private final String encoderName;
        private final boolean replace;
        private final int maxCodeLen;

        PhoneticFilterFactory(IndexSettings index, Environment env, String name, Settings settings) {
            super(index, name, settings);
            this.encoderName = settings.get("encoder", "metaphone").toLowerCase(Locale.ROOT);
            this.replace = settings.getAsBoolean("replace", true);
            this.maxCodeLen = settings.getAsInt("max_code_len", 4);
            if (!"double_metaphone".equals(encoderName) && !"doublemetaphone".equals(encoderName)) {
                encoder(); // reject an unknown encoder when the index is created, not at first use
            }
        }

        private Encoder encoder() {
            switch (encoderName) {
                case "koelnerphonetik":
                    return new MergedCologne();
                case "cologne":
                    return new ColognePhonetic();
                case "metaphone":
                    return new Metaphone();
                case "soundex":
                    return new Soundex();
                case "refined_soundex":
                case "refinedsoundex":
                    return new RefinedSoundex();
                case "caverphone1":
                    return new Caverphone1();
                case "caverphone":
                case "caverphone2":
                    return new Caverphone2();
                case "nysiis":
                    return new Nysiis();
                default:
                    throw new IllegalArgumentException("phonetic filter [" + name() + "]: encoder ["
                        + encoderName + "] is not available here (koelnerphonetik, cologne, metaphone,"
                        + " double_metaphone, soundex, refined_soundex, caverphone1, caverphone2, nysiis)");
            }
        }

        @Override
        public TokenStream create(TokenStream in) {
            if ("double_metaphone".equals(encoderName) || "doublemetaphone".equals(encoderName)) {
                return new DoubleMetaphoneFilter(in, maxCodeLen, !replace);
            }
            return new PhoneticFilter(in, encoder(), !replace);
        }
    }
}
