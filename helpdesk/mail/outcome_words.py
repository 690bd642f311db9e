"""The words the guard reads outcome statements by, in each language members write in.

Data only; outcomes.py holds the rules. Every entry is a regular-expression fragment matched
as whole words against folded text: lower case, accents dropped ("gelöscht" is "geloscht",
"avstängd" is "avstangd"), one space between words, "'" for every apostrophe. The eight
languages are the ones the reply trimmer (text.py) reads attribution lines in.

Per language:
- participles: enforcement words that read as passive after an auxiliary ("has been banned")
  or as an action after "we" ("we have banned").
- verbs: the other forms of those verbs, an action when "we" do them ("we will ban").
- we_verbs: verbs that carry "we" in their ending, for languages that drop the pronoun.
- nouns and delivery: a sanction named as a thing, and the verbs that hand it to someone
  ("received a warning", "a ban was applied").
- auxiliaries: what makes a participle passive; `gap` words may stand between them.
- states: saying an account or profile is gone ("is no longer active").
- we: the team as the one who acts. third: another member, their account or content. own:
  the reporter and their report. generic: nobody in particular ("accounts that…").
  we_third: one word that is "we did it to them" (French "l'avons").
- capitalised_own: words that mean "you" when written with a capital (German "Sie"), else
  "she" or "they".
- prepositions: a reference after one of these only modifies another ("your report about
  the member"). connectors start a new clause. reporter_acts: the reporter as the one who
  acts ("you can block"). withholding: "we cannot share whether…": what follows is not said.
- suggestion: a neutral wording to offer instead.
"""

ENGLISH = {
    "participles": r"banned|suspended|removed|terminated|deactivated|disabled|restricted|limited"
    r"|warned|closed|deleted|blocked|locked|barred|expelled|kicked (?:off|out)|penali[sz]ed"
    r"|sanctioned|reinstated|restored|unbanned|unsuspended|unblocked|lifted|dealt with"
    r"|taken down|shut down|permanently closed|taken off",
    "verbs": r"ban|banning|suspend|suspending|remove|removing|terminate|terminating|deactivate"
    r"|deactivating|disable|disabling|restrict|restricting|limit|limiting|warn|warning|close"
    r"|closing|delete|deleting|block|blocking|lock|locking|bar|barring|expel|expelling"
    r"|kick (?:off|out)|penali[sz]e|sanction|reinstate|restore|unban|unblock|lift|deal with"
    r"|take down|shut down|(?:take|took|taken|taking)(?= (?:[\w']+ ){1,4}(?:offline|down)\b)"
    r"|(?:take|took|taken|taking|takes) (?:\w+ ){0,2}(?:action|actions"
    r"|measures|steps|enforcement) against",
    "we_verbs": r"(?!)",
    "nouns": r"ban|bans|suspension|warning|final warning|restriction|restrictions|removal"
    r"|termination|deactivation|block|penalty|sanction|sanctions|strike",
    "delivery": r"received|receive|receives|got|gets|get|given|give|gave|issued|issue|applied"
    r"|apply|placed|place|imposed|impose|put|handed|sent|send|faces|facing|is under|are under"
    r"|now has|has a|have a|with a",
    "auxiliaries": r"is|are|was|were|be|been|being|got|gets|get|getting|has been|have been"
    r"|had been|will be|'ll be|is being|going to be|now",
    "gap": 3,
    "states": r"no longer (?:active|available|visible|on (?:the|our) (?:platform|marketplace|site)"
    r"|a member|part of|able to (?:use|log|access|work|post|contact|message|sell|buy|bid)"
    r"|allowed|permitted|has access|have access|with us)|off the (?:platform|marketplace|site)",
    "we": r"we|we've|we'll|we're|we'd|i|i've|i'll|i'm|our team|the team|our moderators"
    r"|moderators|trust (?:and|&) safety|the trust (?:and|&) safety team|our staff|staff"
    r"|the marketplace|the platform|our systems?",
    "we_third": r"(?!)",
    "third": r"(?:the|this|that|said) (?:other )?(?:member|client|freelancer|user|seller|buyer"
    r"|contractor|person|individual|party|account holder|scammer|agency|employer|talent"
    r"|vendor|customer|profile|account|listing|posting|job post|job posting|post|gig"
    r"|portfolio|review|reviews|content|message|messages|photos|offer|proposal)(?:'s)?"
    r"(?: (?:you|that you) (?:reported|mentioned|flagged|named|told us about))?"
    r"|(?:their|his|her|its) (?:account|profile|access|listing|posting|posts?|gig|review"
    r"|reviews|content|messages?|messaging|membership|ability|listings|payouts|withdrawals)"
    r"|they|them|he|him|she|they're|they've"
    r"|he's|she's|the person you reported|the account you reported|the member you reported"
    r"|the other party|this user|that user|the reported (?:account|member|user|freelancer"
    r"|client|person|profile)|[\w.-]+'s (?:account|profile|listing|posting|access|membership"
    r"|messages?|reviews?|gig|content)",
    "own": r"you|your|yours|yourself|you've|you're|you'll|your own|(?:the|this|that|our) "
    r"(?:ticket|report|case|request|conversation|thread|reference|complaint|submission"
    r"|inquiry|enquiry)",
    "generic": r"accounts|members|users|profiles|anyone|anybody|someone|everyone|people who"
    r"|(?:any|an|every|each|such|all) (?:\w+ )?(?:account|member|user|profile|person"
    r"|listing|accounts|members|users)",
    "neutral": r"thank you|thanks|see you|if you",
    "capitalised_own": r"(?!)",
    "prepositions": r"about|against|regarding|concerning|of|on|from|with|to|for|after"
    r"|following|towards|toward|by|in|at|re",
    "connectors": r"and|but|so|because|since|that|while|although|though|however|as",
    "reporter_acts": r"you can|you could|you may|you might|you should|you want to"
    r"|you'd like to|please|feel free to|recommend|suggest|advise|encourage|consider"
    r"|how to|option to|able to",
    "withholding": r"(?:share|tell you|disclose|confirm|say|reveal|comment on|discuss|inform"
    r"you|provide|give) (?:\w+ ){0,4}?(?:whether|if|what|which|any)|whether",
    "suggestion": "We have reviewed your report and are handling it under our Code of Conduct. "
    "For privacy reasons we can't share details about another member's account.",
}

FRENCH = {
    "participles": r"(?:banni|suspendu|supprime|retire|desactive|restreint|limite|averti"
    r"|ferme|bloque|exclu|radie|sanctionne|resilie|verrouille|retabli|reactive)(?:e|s|es)?"
    r"|clos|close|closes",
    "verbs": r"bannir|suspendre|supprimer|retirer|desactiver|restreindre|limiter|avertir"
    r"|fermer|bloquer|exclure|radier|sanctionner|resilier|bannirons|suspendrons|bloquerons"
    r"|supprimerons|(?:pris|prendre|prendrons|prenons) (?:des|les) (?:mesures|sanctions)"
    r" (?:contre|a l'encontre de|a l'egard de|envers)",
    "we_verbs": r"suspendons|bloquons|supprimons|bannissons|sanctionnons|fermons",
    "nouns": r"bannissement|suspension|avertissement|restriction|suppression|sanction"
    r"|sanctions|exclusion|blocage|desactivation|mesures",
    "delivery": r"recu|a recu|recoit|emis|applique|appliquee|inflige|infligee|donne|envoye"
    r"|adresse|prononce|prononcee|fait l'objet|pris|prises|impose|imposee",
    "auxiliaries": r"a ete|ont ete|avait ete|avaient ete|est|sont|etait|etaient|sera|seront"
    r"|va etre|vont etre|a bien ete|fut|ete|desormais",
    "gap": 3,
    "states": r"n'est plus (?:actif|active|visible|disponible|membre|sur (?:la|notre) plateforme)"
    r"|ne peut plus (?:utiliser|acceder|vous contacter|travailler)",
    "we": r"nous|notre equipe|l'equipe|on|je|j'ai|avons|ai",
    "we_third": r"l'avons|les avons|l'ai|les ai|lui avons",
    "third": r"(?:(?:le|ce|cet|la|cette) (?:membre|personne|utilisateur|utilisatrice|client"
    r"|cliente|freelance|prestataire)|l'(?:utilisateur|utilisatrice)) (?:que|qu') ?vous avez"
    r" signalee?|(?:le|ce|cet|la|cette) (?:membre|personne|utilisateur|utilisatrice|client"
    r"|cliente|freelance|prestataire|prestataire|vendeur|compte|profil|annonce|avis|contenu"
    r"|message|messages)|l'(?:utilisateur|utilisatrice|autre partie|annonce|autre membre)"
    r"|(?:son|sa|ses|leur|leurs) (?:compte|profil|annonce|acces|avis|contenu|messages?)"
    r"|il|elle|ils|elles|lui",
    "own": r"vous|votre|vos|tu|ton|ta|tes|te|toi|(?:le|ce|la|cette|notre) (?:signalement"
    r"|ticket|demande|dossier|cas|requete|reclamation|conversation)",
    "generic": r"les comptes|tout compte|tous les comptes|les membres|les utilisateurs"
    r"|quiconque|tout membre|(?:un|une|chaque|tout) (?:compte|membre|utilisateur)",
    "neutral": r"merci",
    "capitalised_own": r"(?!)",
    "prepositions": r"de|du|des|sur|contre|concernant|a propos de|au sujet de|envers|pour"
    r"|avec|apres|suite a|a|au|aux|par",
    "connectors": r"et|mais|que|qu'|car|donc|puis",
    "reporter_acts": r"vous pouvez|vous pourrez|vous pourriez|tu peux|veuillez|n'hesitez pas a"
    r"|vous conseillons de|vous recommandons de|comment|possibilite de",
    "withholding": r"(?:partager|communiquer|divulguer|confirmer|dire|indiquer|reveler|informer)"
    r" (?:\w+ ){0,4}?(?:si|s'il|s'ils|quelle|quelles|quel|quels|aucune?)",
    "suggestion": "Nous avons examiné votre signalement et le traitons conformément à notre "
    "code de conduite. Pour des raisons de confidentialité, nous ne pouvons pas communiquer "
    "de détails sur le compte d'un autre membre.",
}

GERMAN = {
    "participles": r"gesperrt|gebannt|suspendiert|entfernt|geloscht|deaktiviert|eingeschrankt"
    r"|beschrankt|verwarnt|geschlossen|blockiert|ausgeschlossen|gekundigt|entsperrt"
    r"|wiederhergestellt|abgemahnt|stillgelegt",
    "verbs": r"sperren|bannen|entfernen|loschen|deaktivieren|einschranken|verwarnen"
    r"|schliessen|blockieren|ausschliessen|kundigen",
    "we_verbs": r"(?!)",
    "nouns": r"sperre|sperrung|kontosperre|verwarnung|einschrankung|einschrankungen|loschung"
    r"|ausschluss|kundigung|massnahmen|sanktion|sanktionen|schritte",
    "delivery": r"erhalten|erhielt|erteilt|verhangt|ausgesprochen|ergriffen|eingeleitet"
    r"|bekommen|auferlegt|unternommen",
    "auxiliaries": r"wurde|wurden|ist|sind|worden|wird|werden|war|waren|bleibt|nun",
    "gap": 6,
    "states": r"nicht mehr (?:aktiv|sichtbar|verfugbar|auf der plattform|mitglied|erreichbar)",
    "we": r"wir|unser team|das team|ich",
    "we_third": r"(?!)",
    "third": r"(?:das|dieses|der|dieser|die|diese|den|dem|diesen|diesem) (?:mitglied|nutzer"
    r"|nutzerin|benutzer|benutzerin|kunde|kundin|freelancer|freelancerin|person|auftraggeber|auftraggeberin"
    r"|konto|profil|inserat|anzeige|bewertung|nachricht|nachrichten)"
    r"|(?:sein|seine|seinem|seinen|dessen|deren) (?:konto|profil|zugang|inserat|bewertung)"
    r"|er|ihm|ihn|des mitglieds|der gemeldeten person|die gemeldete person"
    r"|das gemeldete mitglied|das gemeldete konto",
    "own": r"du|dein|deine|deinem|deinen|dich|dir|euch|euer|(?:die|diese|ihre|deine|der|den"
    r"|das) (?:meldung|anfrage|beschwerde|ticket|fall|vorgang)",
    "generic": r"konten|alle konten|mitglieder|jedes konto|jedes mitglied|ein konto"
    r"|die nutzer|jeder|jemand",
    "neutral": r"danke|vielen dank",
    "capitalised_own": r"sie|ihr|ihre|ihrem|ihren|ihrer|ihnen",
    "prepositions": r"uber|gegen|von|vom|zu|zum|zur|fur|mit|nach|bei|auf|an|am|bezuglich|wegen",
    "connectors": r"und|aber|dass|weil|denn|sodass|jedoch",
    "reporter_acts": r"sie konnen|konnen sie|du kannst|kannst du|bitte|empfehlen ihnen"
    r"|empfehlen dir|moglichkeit",
    "withholding": r"(?:mitteilen|sagen|bestatigen|auskunft geben|auskunft dazu geben|teilen"
    r"|nennen|informieren) (?:\w+ ){0,4}?(?:ob|welche|welcher)|(?:keine|nicht) (?:\w+ ){0,3}?"
    r"(?:auskunft|angaben|informationen|details) (?:\w+ ){0,4}?(?:ob|welche|daruber)|\bob\b",
    "suggestion": "Wir haben Ihre Meldung geprüft und bearbeiten sie nach unserem "
    "Verhaltenskodex. Aus Datenschutzgründen können wir keine Auskunft über das Konto eines "
    "anderen Mitglieds geben.",
}

SPANISH = {
    "participles": r"(?:baneado|suspendido|eliminado|retirado|desactivado|restringido|limitado"
    r"|advertido|cerrado|borrado|bloqueado|expulsado|sancionado|restablecido|reactivado"
    r"|suspendida|eliminada|retirada|desactivada|restringida|limitada|advertida|cerrada"
    r"|borrada|bloqueada|expulsada|sancionada|restablecida|reactivada|baneada)s?"
    r"|dado de baja|dada de baja",
    "verbs": r"suspender|eliminar|retirar|desactivar|restringir|limitar|advertir|cerrar"
    r"|borrar|bloquear|expulsar|sancionar|banear|tomado medidas contra|tomar medidas contra"
    r"|tomaremos medidas contra|tomamos medidas contra",
    "we_verbs": r"suspendimos|eliminamos|bloqueamos|cerramos|baneamos|advertimos|sancionamos"
    r"|expulsamos|suspenderemos|eliminaremos|bloquearemos|cerraremos|sancionaremos"
    r"|desactivamos|restringimos",
    "nouns": r"suspension|bloqueo|advertencia|aviso|restriccion|restricciones|sancion"
    r"|sanciones|expulsion|baja|eliminacion|medidas",
    "delivery": r"recibido|recibio|recibira|aplicado|aplicada|impuesto|impuesta|emitido"
    r"|enviado|tomado|tomamos|tomaremos|dado",
    "auxiliaries": r"ha sido|han sido|fue|fueron|sera|seran|esta|estan|se ha|se han|se le ha"
    r"|se les ha|queda|quedo|ya fue|ya",
    "gap": 3,
    "states": r"ya no (?:esta activ[oa]|es miembro|esta en la plataforma|puede (?:usar|acceder"
    r"|contactar))",
    "we": r"hemos|nosotros|nuestro equipo|el equipo|he|vamos a",
    "we_third": r"(?:lo|la|los|las|le|les) (?:hemos|he|vamos)",
    "third": r"(?:el|la) (?:miembro|usuario|usuaria|cliente|clienta|freelancer|persona) que"
    r" (?:denunciaste|has denunciado|reportaste|has reportado)"
    r"|(?:el|la|este|esta|ese|esa) (?:miembro|usuario|usuaria|cliente|clienta"
    r"|freelancer|autonomo|autonoma|persona|otra parte|cuenta|perfil|anuncio|resena"
    r"|contenido|mensaje)|(?:cuenta|perfil) del (?:miembro|usuario|cliente|freelancer)"
    r"|al (?:miembro|usuario|cliente|freelancer|autonomo)|ella|ellos|ellas",
    "own": r"tu|tus|usted|ustedes|su|sus|te|(?:la|tu|su|esta|el) (?:denuncia|reporte|ticket"
    r"|caso|solicitud|reclamacion|consulta)",
    "generic": r"las cuentas|cualquier cuenta|los miembros|los usuarios|cualquier persona"
    r"|(?:una|cada|toda) cuenta",
    "neutral": r"gracias",
    "capitalised_own": r"(?!)",
    "prepositions": r"de|del|sobre|contra|con|para|a|al|hacia|tras|por",
    "connectors": r"y|pero|que|porque|asi que",
    "reporter_acts": r"puedes|puede usted|te recomendamos|le recomendamos|por favor|como",
    "withholding": r"(?:compartir|revelar|informar|confirmar|decir|indicar|comunicar)(?:te|le)?"
    r" (?:\w+ ){0,4}?(?:si|que medidas|cual|cuales|ninguna)",
    "suggestion": "Hemos revisado tu denuncia y la estamos gestionando según nuestro Código de "
    "Conducta. Por motivos de privacidad, no podemos compartir detalles sobre la cuenta de "
    "otro miembro.",
}

DUTCH = {
    "participles": r"verbannen|geschorst|verwijderd|gedeactiveerd|beperkt|gewaarschuwd"
    r"|gesloten|geblokkeerd|opgeschort|uitgesloten|beeindigd|hersteld|gebanned|gebannd",
    "verbs": r"blokkeren|verwijderen|schorsen|verbannen|beperken|waarschuwen|sluiten",
    "we_verbs": r"(?!)",
    "nouns": r"schorsing|waarschuwing|blokkade|verbanning|beperking|beperkingen|maatregelen"
    r"|sanctie|sancties",
    "delivery": r"ontvangen|gekregen|krijgt|krijgen|kreeg|gegeven|opgelegd|genomen|getroffen",
    "auxiliaries": r"is|zijn|werd|werden|wordt|worden|nu",
    "gap": 6,
    "states": r"(?:niet langer|niet meer) (?:actief|zichtbaar|beschikbaar|lid"
    r"|op het platform)",
    "we": r"we|wij|ons team|het team|ik",
    "we_third": r"(?!)",
    "third": r"(?:het|dit|dat|de|deze) (?:lid|gebruiker|klant|freelancer|persoon|andere partij"
    r"|account|profiel|advertentie|beoordeling|bericht|berichten)"
    r"|(?:zijn|haar|hun) (?:account|profiel|advertentie|toegang)|hij|zij|ze|hem",
    "own": r"u|uw|je|jouw|jij|(?:de|je|uw|deze|het) (?:melding|ticket|verzoek|zaak|klacht)",
    "generic": r"accounts|alle accounts|leden|gebruikers|elk account|ieder account|iedereen",
    "neutral": r"bedankt|dank je|dank u",
    "capitalised_own": r"(?!)",
    "prepositions": r"van|over|tegen|voor|met|na|op|aan|bij",
    "connectors": r"en|maar|dat|omdat|want",
    "reporter_acts": r"u kunt|kunt u|je kunt|kun je|graag|raden u aan|raden je aan"
    r"|mogelijkheid",
    "withholding": r"(?:delen|zeggen|bevestigen|meedelen|vertellen|informatie geven)"
    r" (?:\w+ ){0,4}?(?:of|welke)|(?:of|welke) (?:\w+ ){0,6}?(?:kunnen|mogen) (?:we|wij)"
    r" (?:niet|geen)",
    "suggestion": "We hebben je melding bekeken en behandelen deze volgens onze gedragscode. "
    "Om privacyredenen kunnen we geen details delen over het account van een ander lid.",
}

ITALIAN = {
    "participles": r"(?:bannat|sospes|rimoss|eliminat|disattivat|limitat|ristrett|avvisat"
    r"|ammonit|chius|cancellat|bloccat|espuls|sanzionat|ripristinat|riattivat)[oaie]",
    "verbs": r"sospendere|rimuovere|eliminare|disattivare|limitare|bloccare|espellere"
    r"|sanzionare|bannare|chiudere|(?:preso|prendere|prenderemo) (?:dei |i )?provvedimenti"
    r" (?:contro|nei confronti d\w*)",
    "we_verbs": r"sospenderemo|bloccheremo|rimuoveremo|elimineremo|chiuderemo|sanzioneremo",
    "nouns": r"sospensione|ammonimento|avvertimento|blocco|ban|restrizione|restrizioni"
    r"|sanzione|sanzioni|provvedimenti|provvedimento|misure",
    "delivery": r"ricevuto|ricevera|applicato|applicata|inflitto|inflitta|emesso|inviato"
    r"|preso|adottato|adottati|presi",
    "auxiliaries": r"e stato|e stata|sono stati|sono state|e|sono|sara|saranno|verra"
    r"|verranno|viene|vengono|fu|stato|stata|ora",
    "gap": 3,
    "states": r"non e piu (?:attiv[oa]|visibile|disponibile|sulla piattaforma|membro)",
    "we": r"abbiamo|noi|il nostro team|il team|ho",
    "we_third": r"l'abbiamo|lo abbiamo|la abbiamo|li abbiamo|le abbiamo",
    "third": r"(?:il|lo|la|l')(?:\s)?(?:membro|cliente|freelance|persona|utente) che hai"
    r" segnalat[oa]|(?:il|lo|la|questo|questa|quel|quella) (?:membro|cliente|freelance|persona"
    r"|profilo|annuncio|recensione|contenuto|messaggio)|l'(?:utente|altra parte|account"
    r"|annuncio|altro membro)|(?:il suo|il loro|la sua|la loro) (?:account|profilo"
    r"|annuncio|accesso)|lui|loro",
    "own": r"tu|tuo|tua|tuoi|tue|ti|te|voi|vostro|vostra|(?:la|tua|questa|il|la sua) "
    r"(?:segnalazione|ticket|richiesta|pratica|caso)",
    "generic": r"gli account|tutti gli account|i membri|gli utenti|chiunque|ogni account"
    r"|qualsiasi account",
    "neutral": r"grazie",
    "capitalised_own": r"lei",
    "prepositions": r"di|del|della|dello|dei|su|sul|sulla|contro|per|con|a|al|alla|riguardo"
    r"|da|dal",
    # No "e" ("and"): without accents it is also "è" ("is").
    "connectors": r"ma|che|perche|quindi",
    "reporter_acts": r"puoi|puo|ti consigliamo|le consigliamo|per favore|come|possibilita di",
    "withholding": r"(?:condivider|comunicar|rivelar|confermar|dir|indicar|fornir)(?:e|ti|le|vi)"
    r" (?:\w+ ){0,4}?(?:se|quali|quale|alcun\w*)",
    "suggestion": "Abbiamo esaminato la tua segnalazione e la stiamo gestendo secondo il nostro "
    "Codice di condotta. Per motivi di privacy non possiamo condividere dettagli sull'account "
    "di un altro membro.",
}

PORTUGUESE = {
    "participles": r"(?:banid|suspens|removid|excluid|desativad|restringid|restrit|limitad"
    r"|advertid|avisad|encerrad|fechad|apagad|bloquead|expuls|sancionad|restabelecid"
    r"|reativad)(?:o|a|os|as)",
    "verbs": r"suspender|remover|excluir|desativar|restringir|limitar|advertir|encerrar"
    r"|bloquear|banir|expulsar|sancionar|(?:tomamos|tomaremos|tomar) (?:as )?medidas contra",
    "we_verbs": r"suspendemos|removemos|excluimos|desativamos|restringimos|advertimos"
    r"|encerramos|bloqueamos|banimos|expulsamos|sancionamos|suspenderemos|bloquearemos"
    r"|removeremos",
    "nouns": r"suspensao|banimento|advertencia|aviso|restricao|restricoes|bloqueio|sancao"
    r"|sancoes|medidas",
    "delivery": r"recebeu|recebido|recebera|aplicad[oa]|emitid[oa]|tomamos|tomad[oa]s?"
    r"|impost[oa]",
    "auxiliaries": r"foi|foram|esta|estao|sera|serao|tem sido|ja foi|ficou|agora",
    "gap": 3,
    "states": r"(?:nao esta mais|ja nao esta) (?:ativ[oa]|na plataforma)|nao faz mais parte",
    "we": r"nos|nossa equipe|nossa equipa|a equipe|a equipa|eu|vamos",
    "we_third": r"(?!)",
    "third": r"(?:o|a) (?:membro|usuario|usuaria|utilizador|cliente|freelancer|pessoa) que"
    r" (?:voce )?(?:denunciou|reportou)|(?:o|a|este|esta|esse|essa) (?:membro|usuario|usuaria"
    r"|utilizador|cliente"
    r"|freelancer|pessoa|outra parte|conta|perfil|anuncio|avaliacao|conteudo|mensagem)"
    r"|(?:conta|perfil) (?:dele|dela|deles|do membro|do usuario|do cliente)|ele|ela|eles|elas",
    "own": r"voce|voces|seu|sua|seus|suas|te|teu|tua|(?:a|sua|esta|o|seu) (?:denuncia"
    r"|ticket|pedido|caso|solicitacao|reclamacao)",
    "generic": r"as contas|qualquer conta|os membros|os usuarios|qualquer pessoa|toda conta",
    "neutral": r"obrigad[oa]",
    "capitalised_own": r"(?!)",
    "prepositions": r"de|do|da|dos|das|sobre|contra|com|para|a|ao|em|no|na|por",
    "connectors": r"e|mas|que|porque|entao",
    "reporter_acts": r"voce pode|pode|recomendamos que|por favor|como",
    "withholding": r"(?:compartilhar|partilhar|divulgar|informar|confirmar|dizer|revelar)"
    r" (?:\w+ ){0,4}?(?:se|quais|qual|nenhuma)",
    "suggestion": "Analisamos sua denúncia e estamos tratando dela conforme nosso Código de "
    "Conduta. Por motivos de privacidade, não podemos compartilhar detalhes sobre a conta de "
    "outro membro.",
}

SWEDISH = {
    "participles": r"bannad|bannat|bannlyst|avstangd|avstangt|avstangda|borttagen|borttaget"
    r"|borttagna|raderad|raderat|raderade|inaktiverad|inaktiverat|begransad|begransat|varnad"
    r"|varnat|stangd|stangt|blockerad|blockerat|sparrad|sparrat|utesluten|uteslutit"
    r"|aterstalld|aterstallt|stangt av|tagit bort",
    "verbs": r"stanga av|ta bort|radera|varna|blockera|sparra|begransa|inaktivera|utesluta"
    r"|stanger av|tar bort|sparrar|varnar|blockerar",
    "we_verbs": r"(?!)",
    "nouns": r"avstangning|varning|sparr|begransning|begransningar|atgarder|atgard|sanktion",
    "delivery": r"fatt|fick|far|utfardat|vidtagit|vidtog|vidta|gett|gav",
    "auxiliaries": r"har blivit|blev|ar|kommer att bli|blir|har nu blivit|nu",
    "gap": 3,
    # and the s-passive, passive by itself: "kontot har tagits bort"
    "states": r"(?:inte langre|ej langre) (?:aktiv|synlig|medlem|kvar|pa plattformen)"
    r"|(?:har |hade )?(?:tagits bort|stangts av|avstangts|raderats|sparrats|blockerats"
    r"|varnats|begransats|inaktiverats|uteslutits)",
    "we": r"vi|vart team|teamet|jag",
    "we_third": r"(?!)",
    "third": r"medlemmen|medlemmens|anvandaren|anvandarens|kunden|kundens|frilansaren"
    r"|frilansarens|personen|den andra parten|kontot|profilen|annonsen|omdomet"
    r"|(?:hans|hennes|deras) (?:konto|profil|annons|atkomst)|hen|han|hon|dem|honom|henne",
    "own": r"du|din|ditt|dina|dig|ni|er|ert|(?:din|er) (?:anmalan|rapport)|anmalan|arendet",
    "generic": r"konton|alla konton|medlemmar|anvandare|vem som helst|varje konto",
    "neutral": r"tack",
    "capitalised_own": r"(?!)",
    "prepositions": r"om|mot|av|for|med|till|pa|efter|gallande",
    "connectors": r"och|men|att|eftersom",
    "reporter_acts": r"du kan|ni kan|rekommenderar att du|rekommenderar dig|var vanlig",
    "withholding": r"(?:dela|beratta|bekrafta|uppge|saga|informera) (?:\w+ ){0,4}?"
    r"(?:om|vilka|vilken|nagra)",
    "suggestion": "Vi har granskat din anmälan och hanterar den enligt vår uppförandekod. Av "
    "integritetsskäl kan vi inte dela information om en annan medlems konto.",
}

LANGUAGES = {
    "en": ENGLISH,
    "fr": FRENCH,
    "de": GERMAN,
    "es": SPANISH,
    "nl": DUTCH,
    "it": ITALIAN,
    "pt": PORTUGUESE,
    "sv": SWEDISH,
}
